// Entry point of the single executable (dist/anime-api): the `anime-api` command line.
import './setup.js'
import cluster from 'node:cluster'
import { main } from '../cli.js'

// A cluster worker is this same executable started by the primary: it serves.
main(cluster.isWorker ? ['serve'] : process.argv.slice(2))
