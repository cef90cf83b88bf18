import { createServer } from 'node:http';
import { Agent, request } from 'undici';
const up = process.argv[2]; const agent = new Agent({ keepAliveTimeout: 30000 });
createServer((req, res) => {
  const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const r = await request(`${up}/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, model: 'slow100' }) });
    const j = JSON.parse(await r.body.text());
    const text = JSON.stringify(j);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }); res.end(text);
  });
}).listen(17072, '127.0.0.1');
