// The socket protocol as a third party sees it: the official JavaScript socket.io-client,
// used the way docs/protocol.md describes.
import { test, expect } from '@playwright/test';
import { io, Socket } from 'socket.io-client';
import { NatterServer } from './server';

let server: NatterServer;
const sockets: Socket[] = [];

test.beforeEach(async () => {
  server = new NatterServer();
  await server.start();
});

test.afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await server.dispose();
});

async function connect(transports: string[] = ['polling', 'websocket']): Promise<Socket> {
  const socket = io(server.url, { transports, reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function next(socket: Socket, event: string): Promise<any> {
  return new Promise((resolve) => socket.once(event, resolve));
}

test('socket.io-client joins, sends with a key and receives the broadcast', async () => {
  const ada = await connect();
  const bob = await connect(['polling']);
  expect(bob.io.engine.transport.name).toBe('polling');

  const joined = await ada.emitWithAck('join', { room: 'general' });
  expect(joined).toEqual({ room: { name: 'general', last_seq: 0, created_at: expect.any(Number) }, messages: [], truncated: false });
  await bob.emitWithAck('join', { room: 'general' });

  const received = next(bob, 'message');
  const ack = await ada.timeout(10_000).emitWithAck('send', { room: 'general', author: 'Ada', body: 'Hello!', key: 'k-1' });
  expect(ack.message).toMatchObject({ room: 'general', seq: 1, author: 'Ada', body: 'Hello!', key: 'k-1' });
  expect(await received).toEqual(ack.message);

  // A retry with the same key is acknowledged with the original message and stores nothing new.
  const again = await ada.emitWithAck('send', { room: 'general', author: 'Ada', body: 'Hello!', key: 'k-1' });
  expect(again).toEqual(ack);
  const history = await bob.emitWithAck('history', { room: 'general' });
  expect(history.messages).toHaveLength(1);

  // A reconnecting client asks for what came after the newest seq it holds.
  await ada.emitWithAck('send', { room: 'general', author: 'Ada', body: 'second' });
  const resumed = await bob.emitWithAck('join', { room: 'general', after: 1 });
  expect(resumed.messages.map((m: any) => m.body)).toEqual(['second']);
});

test('socket.io-client gets documented errors, and request_error without an ack', async () => {
  const socket = await connect(['websocket']);
  expect(await socket.emitWithAck('send', { room: 'general', author: 'Ada', body: '   ' })).toEqual({
    error: { code: 'empty_message', message: 'A message cannot be empty.' },
  });
  expect((await socket.emitWithAck('join', { room: 'nowhere' })).error.code).toBe('unknown_room');
  expect((await socket.emitWithAck('create_room', { name: 'general' })).error.code).toBe('room_exists');
  expect((await socket.emitWithAck('dance', {})).error.code).toBe('unknown_event');

  const refused = next(socket, 'request_error');
  socket.emit('send', { room: 'general' });
  expect(await refused).toMatchObject({ event: 'send', error: { code: 'bad_payload' } });
  expect(socket.connected).toBe(true);
});

test('socket.io-client sees rooms created by others', async () => {
  const a = await connect();
  const b = await connect();
  const announced = next(b, 'room_created');
  const created = await a.emitWithAck('create_room', { name: 'ops' });
  expect(created.room.name).toBe('ops');
  expect((await announced).room.name).toBe('ops');
  const rooms = await b.emitWithAck('rooms', {});
  expect(rooms.rooms.map((r: any) => r.name)).toEqual(['general', 'ops']);
});
