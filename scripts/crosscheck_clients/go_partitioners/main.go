// Command go_partitioners places keys with the Go clients' own partitioner code, for the
// differential check in ../crosscheck.py.
//
// It imports sarama and kafka-go as Debian packages them (GOPATH=/usr/share/gocode, GOPATH mode, no
// network) and calls, unmodified:
//
//   - sarama NewHashPartitioner(topic).Partition            -> keyplan id "sarama"
//   - sarama NewReferenceHashPartitioner(topic).Partition   -> keyplan id "sarama-reference"
//   - kafka-go (&Hash{}).Balance(msg, 0..n-1)                -> keyplan id "kafka-go-hash"
//
// usage: go_partitioners KEYS_HEX_FILE N[,N...]
//
// KEYS_HEX_FILE holds one key a line, hex-encoded (an empty line is the empty key). Every key is a
// non-nil byte slice, also when empty: a nil key (no key at all) takes the clients' random or
// round-robin path, which keyplan's inputs never hold. Each key is placed twice; when the two
// placements differ the output says "random" instead of a number, so randomness is observed rather
// than assumed. Output: one JSON object {"goarch": ..., "go": ..., "results": {name: {N: [...]}}}.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/Shopify/sarama"
	kafka "github.com/segmentio/kafka-go"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go_partitioners: "+format+"\n", args...)
	os.Exit(2)
}

func readKeys(path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		fail("%v", err)
	}
	defer f.Close()
	var keys [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		raw, err := hex.DecodeString(sc.Text())
		if err != nil {
			fail("%s:%d: %v", path, len(keys)+1, err)
		}
		key := make([]byte, len(raw)) // non-nil even when empty
		copy(key, raw)
		keys = append(keys, key)
	}
	if err := sc.Err(); err != nil {
		fail("%v", err)
	}
	return keys
}

// place calls f twice per key: one number when both calls agree, "random" when they do not.
func place(keys [][]byte, f func(key []byte) int) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		a, b := f(k), f(k)
		if a == b {
			out[i] = strconv.Itoa(a)
		} else {
			out[i] = "random"
		}
	}
	return out
}

func saramaPlacer(ctor sarama.PartitionerConstructor, n int) func([]byte) int {
	p := ctor("crosscheck")
	return func(key []byte) int {
		msg := &sarama.ProducerMessage{Topic: "crosscheck", Key: sarama.ByteEncoder(key)}
		part, err := p.Partition(msg, int32(n))
		if err != nil {
			fail("sarama: %v", err)
		}
		return int(part)
	}
}

func kafkaGoHashPlacer(n int) func([]byte) int {
	partitions := make([]int, n)
	for i := range partitions {
		partitions[i] = i
	}
	b := &kafka.Hash{}
	return func(key []byte) int {
		return b.Balance(kafka.Message{Key: key}, partitions...)
	}
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: go_partitioners KEYS_HEX_FILE N[,N...]")
	}
	keys := readKeys(os.Args[1])
	var counts []int
	for _, s := range strings.Split(os.Args[2], ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fail("bad partition count %q", s)
		}
		counts = append(counts, n)
	}
	results := map[string]map[string][]string{
		"sarama":           {},
		"sarama-reference": {},
		"kafka-go-hash":    {},
	}
	for _, n := range counts {
		key := strconv.Itoa(n)
		results["sarama"][key] = place(keys, saramaPlacer(sarama.NewHashPartitioner, n))
		results["sarama-reference"][key] = place(keys, saramaPlacer(sarama.NewReferenceHashPartitioner, n))
		results["kafka-go-hash"][key] = place(keys, kafkaGoHashPlacer(n))
	}
	out := map[string]interface{}{
		"goarch":  runtime.GOARCH,
		"go":      runtime.Version(),
		"results": results,
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fail("%v", err)
	}
}
