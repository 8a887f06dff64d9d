import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * Places every key the way the Pulsar Java producer's default router does for a String key, using the
 * JDK's own UTF-8 decoder and String.hashCode (the parts keyplan has to reproduce).
 *
 * <p>Pulsar: {@code RoundRobinPartitionMessageRouterImpl.choosePartition} returns
 * {@code MathUtils.signSafeMod(hash.makeHash(msg.getKey()), numPartitions)} for a keyed message, and the
 * default {@code JavaStringHash.makeHash(String s)} is {@code s.hashCode() & Integer.MAX_VALUE}. The key
 * String is the key bytes decoded as {@code new String(bytes, StandardCharsets.UTF_8)}.
 *
 * <p>usage: java PulsarJavaStringHash.java KEYS_HEX_FILE N[,N...]; prints one line per count:
 * {@code n:p0,p1,...} with one partition per key line, in file order.
 */
public class PulsarJavaStringHash {
    /** Pulsar's JavaStringHash.makeHash. */
    static int makeHash(String s) {
        return s.hashCode() & Integer.MAX_VALUE;
    }

    /** Pulsar's MathUtils.signSafeMod. */
    static int signSafeMod(long dividend, int divisor) {
        int mod = (int) (dividend % divisor);
        if (mod < 0) {
            mod += divisor;
        }
        return mod;
    }

    public static void main(String[] args) throws IOException {
        String text = Files.readString(Path.of(args[0]), StandardCharsets.ISO_8859_1);
        // A final newline ends the last line; it does not add a key (the rule keyplan uses).
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        List<String> lines = List.of(text.split("\n", -1));
        HexFormat hex = HexFormat.of();
        int[] hashes = new int[lines.size()];
        for (int i = 0; i < hashes.length; i++) {
            byte[] bytes = hex.parseHex(lines.get(i));
            hashes[i] = makeHash(new String(bytes, StandardCharsets.UTF_8));
        }
        StringBuilder out = new StringBuilder();
        for (String count : args[1].split(",")) {
            int n = Integer.parseInt(count);
            out.append(n).append(':');
            for (int i = 0; i < hashes.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(signSafeMod(hashes[i], n));
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
