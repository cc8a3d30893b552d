// The reference the benchmarks compare Natter with: the chat server from the Socket.IO
// tutorials Natter grew from, written as a user would write it (no persistence), speaking
// Natter's event names and payloads (docs/protocol.md) so one load generator drives both.
const { createServer } = require('node:http');
const { randomUUID } = require('node:crypto');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 3200);
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });
const seqs = new Map();

io.on('connection', (socket) => {
  socket.on('join', ({ room } = {}, ack) => {
    socket.join(room);
    if (typeof ack === 'function') {
      ack({ room: { name: room, last_seq: seqs.get(room) || 0, created_at: 0 }, messages: [], truncated: false });
    }
  });
  socket.on('create_room', ({ name } = {}, ack) => {
    if (typeof ack === 'function') ack({ room: { name, last_seq: 0, created_at: Date.now() } });
  });
  socket.on('send', ({ room, author, body, key } = {}, ack) => {
    const seq = (seqs.get(room) || 0) + 1;
    seqs.set(room, seq);
    const message = { id: randomUUID(), room, seq, author, body, ts: Date.now(), key };
    socket.to(room).emit('message', message);
    if (typeof ack === 'function') ack({ message });
  });
});

httpServer.listen(port, '127.0.0.1', () => console.log(`node reference listening on http://127.0.0.1:${port}`));
