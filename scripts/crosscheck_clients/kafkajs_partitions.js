// Places every key with KafkaJS's own partitioners (the real package, not a port) and prints JSON:
//   {"default": {"<n>": [partition, ...]}, "legacy": {...}}
// one partition per key line, in file order.
//
// usage: node kafkajs_partitions.js KAFKAJS_DIR KEYS_HEX_FILE N[,N...]
//
// The partitioner is called exactly as the KafkaJS producer calls it: with the topic's partition
// metadata (n partitions, every one with a leader) and a message whose key is a Buffer. An empty
// line is the empty, non-null key (Buffer.alloc(0)), which KafkaJS hashes.
'use strict'
const fs = require('fs')
const path = require('path')

const [kafkajsDir, keysFile, countList] = process.argv.slice(2)
if (!countList) {
  console.error('usage: node kafkajs_partitions.js KAFKAJS_DIR KEYS_HEX_FILE N[,N...]')
  process.exit(2)
}
const { Partitioners } = require(path.resolve(kafkajsDir))
const text = fs.readFileSync(keysFile, 'latin1')
// A final newline ends the last line; it does not add a key (the same rule keyplan uses).
const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
const keys = lines.map(hex => Buffer.from(hex, 'hex'))
const counts = countList.split(',').map(Number)

const out = {}
for (const [name, factory] of [
  ['default', Partitioners.DefaultPartitioner],
  ['legacy', Partitioners.LegacyPartitioner],
]) {
  out[name] = {}
  for (const n of counts) {
    const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }))
    const partitioner = factory() // a fresh one per count, as a new producer would have
    out[name][n] = keys.map(key =>
      partitioner({ topic: 'crosscheck', partitionMetadata, message: { key, value: null } })
    )
  }
}
process.stdout.write(JSON.stringify(out))
