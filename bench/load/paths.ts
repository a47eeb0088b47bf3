/**
 * A load over many paths: autocannon (in this process, which is not the server's) sending GETs
 * whose paths take turns through a list, so a benchmark can spread its requests over many
 * resources. Reads its options from the JSON file argv[2] names — `{url, paths, connections, durationS,
 * headers}` — and prints autocannon's result as JSON, as the CLI's `-j` does.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const options = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { url: string; paths: string[]; connections: number; durationS: number; headers?: Record<string, string> };
let next = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationS,
  headers: options.headers,
  requests: [
    {
      method: 'GET',
      setupRequest: (request) => {
        const path = options.paths[next++ % options.paths.length]!;
        return { ...request, path };
      },
    },
  ],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
