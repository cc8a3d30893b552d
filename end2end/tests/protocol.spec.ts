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
  users = 0;
});

test.afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await server.dispose();
});

const PASSWORD = 'correct horse battery';

/** Registers `username` over HTTP, as docs/protocol.md describes, and returns the cookie. */
async function register(username: string): Promise<string> {
  const res = await fetch(`${server.url}/auth/register`, {
    method: 'POST',
    headers: { Origin: server.url, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

let users = 0;

/** A socket for a fresh user (or with the given cookie), connected; `auth` is the CONNECT payload. */
async function connect(transports: string[] = ['polling', 'websocket'], cookie?: string, auth?: object): Promise<Socket> {
  cookie ??= await register(`user${++users}`);
  const socket = io(server.url, { transports, reconnection: false, extraHeaders: { Cookie: cookie }, auth });
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
  expect(joined).toEqual({ room: { name: 'general', kind: 'public', topic: '', last_seq: 0, last_change: 0, created_at: expect.any(Number) }, messages: [], truncated: false, read: { room: 'general', read: 0 } });
  await bob.emitWithAck('join', { room: 'general' });

  const received = next(bob, 'message');
  const ack = await ada.timeout(10_000).emitWithAck('send', { room: 'general', body: 'Hello!', key: 'k-1' });
  expect(ack.message).toMatchObject({ room: 'general', seq: 1, author: 'user1', body: 'Hello!', key: 'k-1' });
  // The others hear it without the sender's key.
  const { key, ...withoutKey } = ack.message;
  expect(key).toBe('k-1');
  expect(await received).toEqual(withoutKey);

  // A retry with the same key is acknowledged with the original message and stores nothing new.
  const again = await ada.emitWithAck('send', { room: 'general', body: 'Hello!', key: 'k-1' });
  expect(again).toEqual(ack);
  const history = await bob.emitWithAck('history', { room: 'general' });
  expect(history.messages).toHaveLength(1);

  // A reconnecting client asks for what came after the newest seq it holds.
  await ada.emitWithAck('send', { room: 'general', body: 'second' });
  const resumed = await bob.emitWithAck('join', { room: 'general', after: 1 });
  expect(resumed.messages.map((m: any) => m.body)).toEqual(['second']);
});

test('socket.io-client hears every room of its list, moves read positions and sends typing notices', async () => {
  const adaCookie = await register('ada');
  const bobCookie = await register('bob');
  const ada = await connect(['websocket'], adaCookie);
  const adaTab = await connect(['polling'], adaCookie);
  const bob = await connect(['websocket'], bobCookie);
  // No join needed: a socket hears the rooms in its user's list.
  const heard = next(ada, 'message');
  const sent = await bob.emitWithAck('send', { room: 'general', body: 'hi @ada' });
  expect(sent.message.mentions).toEqual(['ada']);
  expect((await heard).mentions).toEqual(['ada']);

  const rooms = await ada.emitWithAck('rooms', {});
  expect(rooms.reads).toEqual([{ room: 'general', read: 0, mentions: [1] }]);
  const told = next(adaTab, 'read_position');
  expect(await ada.emitWithAck('mark_read', { room: 'general', seq: 1 })).toEqual({ room: 'general', read: 1 });
  expect(await told).toEqual({ room: 'general', read: 1 });
  expect((await ada.emitWithAck('mark_read', { room: 'general', seq: -2 })).error.code).toBe('bad_payload');

  const typing = next(bob, 'typing');
  expect(await ada.emitWithAck('typing', { room: 'general' })).toEqual({});
  expect(await typing).toEqual({ room: 'general', user: 'ada' });
});

test('socket.io-client replies, edits, reacts and deletes, and catches up on missed changes by number', async () => {
  const ada = await connect();
  const bobCookie = await register('bobchanges');
  let bob = await connect(['polling'], bobCookie);
  const first = (await ada.emitWithAck('send', { room: 'general', body: 'lunch at noon?' })).message;
  const reply = await bob.emitWithAck('send', { room: 'general', body: 'yes', reply_to: first.seq });
  expect(reply.message.reply_to).toEqual({ seq: first.seq, author: 'user1', snippet: 'lunch at noon?' });

  // Live: each change reaches the room, numbered 1, 2, 3, carrying the message as it stands.
  const heard: any[] = [];
  bob.on('change', (c) => heard.push(c));
  const edited = await ada.emitWithAck('edit', { room: 'general', seq: first.seq, body: 'lunch at 12:30?' });
  expect(edited).toMatchObject({ change: 1, message: { body: 'lunch at 12:30?', edited: expect.any(Number) } });
  const reacted = await bob.emitWithAck('react', { room: 'general', seq: first.seq, emoji: '👍' });
  expect(reacted.message.reactions).toEqual([{ emoji: '👍', users: ['bobchanges'] }]);
  expect((await bob.emitWithAck('react', { room: 'general', seq: first.seq, emoji: 'no' })).error.code).toBe('invalid_emoji');
  expect((await bob.emitWithAck('edit', { room: 'general', seq: first.seq, body: 'mine now' })).error.code).toBe('forbidden');
  await expect.poll(() => heard.map((c) => [c.change, c.kind, c.seq])).toEqual([[1, 'edit', first.seq], [2, 'react', first.seq]]);
  expect(heard[1]).toMatchObject({ room: 'general', actor: 'bobchanges', emoji: '👍', message: { body: 'lunch at 12:30?' } });

  // Offline meanwhile: a deletion, then the join with changes_after brings it, and the reply's quote says so.
  const held = heard[heard.length - 1].change;
  bob.disconnect();
  const deleted = await ada.emitWithAck('delete', { room: 'general', seq: first.seq });
  expect(deleted).toMatchObject({ change: 3, message: { deleted: true, body: '' } });
  bob = await connect(['websocket'], bobCookie);
  const back = await bob.emitWithAck('join', { room: 'general', after: reply.message.seq, changes_after: held });
  expect(back.messages).toEqual([]);
  expect(back.changes.map((c: any) => [c.change, c.kind])).toEqual([[3, 'delete']]);
  expect(back.room.last_change).toBe(3);
  const page = await bob.emitWithAck('changes', { room: 'general', after: 0 });
  expect(page.changes).toHaveLength(3);
  expect(page.truncated).toBe(false);
  const history = await bob.emitWithAck('history', { room: 'general' });
  expect(history.messages[1].reply_to).toEqual({ seq: first.seq, author: 'user1', snippet: '', deleted: true });
  expect((await bob.emitWithAck('react', { room: 'general', seq: first.seq, emoji: '🎉' })).error.code).toBe('message_deleted');
});

test('socket.io-client pins and unpins, hears it as a change, and join lists the pins newest first', async () => {
  const ada = await connect();
  const bob = await connect(['polling']);
  const one = (await ada.emitWithAck('send', { room: 'general', body: 'the plan' })).message;
  const two = (await ada.emitWithAck('send', { room: 'general', body: 'the other plan' })).message;
  const heard: any[] = [];
  bob.on('change', (c) => heard.push(c));
  const pinned = await bob.emitWithAck('pin', { room: 'general', seq: one.seq });
  expect(pinned).toMatchObject({ change: 1, message: { seq: one.seq, pinned: { by: 'user2', at: expect.any(Number) } } });
  expect((await ada.emitWithAck('pin', { room: 'general', seq: one.seq })).change).toBeUndefined();
  await ada.emitWithAck('pin', { room: 'general', seq: two.seq });
  const joined = await bob.emitWithAck('join', { room: 'general' });
  expect(joined.pins.map((m: any) => m.seq)).toEqual([two.seq, one.seq]);
  const unpinned = await ada.emitWithAck('pin', { room: 'general', seq: one.seq, on: false });
  expect(unpinned.message.pinned).toBeUndefined();
  await expect.poll(() => heard.map((c) => [c.change, c.kind, c.seq])).toEqual([[1, 'pin', one.seq], [2, 'pin', two.seq], [3, 'unpin', one.seq]]);
  expect((await ada.emitWithAck('pin', { room: 'nowhere', seq: 1 })).error.code).toBe('unknown_room');
});

test('socket.io-client gets documented errors, and request_error without an ack', async () => {
  const socket = await connect(['websocket']);
  expect(await socket.emitWithAck('send', { room: 'general', body: '   ' })).toEqual({
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

test('socket.io-client finds rooms created by others with browse, and joining lists them', async () => {
  const a = await connect();
  const b = await connect();
  const created = await a.emitWithAck('create_room', { name: 'ops' });
  expect(created.room.name).toBe('ops');
  const found = await b.emitWithAck('browse', { query: 'op' });
  expect(found.rooms.map((r: any) => r.name)).toEqual(['ops']);
  expect(found.next).toBeUndefined();
  expect((await b.emitWithAck('rooms', {})).rooms.map((r: any) => r.name)).toEqual(['general']);
  await b.emitWithAck('join', { room: 'ops' });
  expect((await b.emitWithAck('rooms', {})).rooms.map((r: any) => r.name)).toEqual(['general', 'ops']);
});

test('socket.io-client without a session gets connect_error and nothing else', async () => {
  const socket = io(server.url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const error: Error = await new Promise((resolve) => socket.once('connect_error', resolve));
  expect(error.message).toMatch(/^not_authenticated: /);
  expect(socket.connected).toBe(false);
});

test('socket.io-client creates a private room and opens a direct conversation', async () => {
  const adaCookie = await register('ada');
  await register('bob');
  const ada = await connect(['websocket'], adaCookie);
  const created = await ada.emitWithAck('create_room', { name: 'plans', private: true });
  expect(created.room).toMatchObject({ name: 'ada/plans', kind: 'private', owner: 'ada', members: ['ada'] });
  const added = await ada.emitWithAck('add_member', { room: 'ada/plans', username: 'bob' });
  expect(added.room.members).toEqual(['ada', 'bob']);
  const dm = await ada.emitWithAck('open_direct', { username: 'bob' });
  expect(dm.room).toMatchObject({ kind: 'direct', members: ['ada', 'bob'] });
  const tooBig = await ada.emitWithAck('send', { room: 'ada/plans', body: 'x', pad: 'y'.repeat(70_000) });
  expect(tooBig.error.code).toBe('payload_too_large');
  expect(ada.connected).toBe(true);
});

test('set_topic: set by anyone in a public room, pushed as room_updated, refused when too long', async () => {
  const [ada, bob] = await Promise.all([connect(), connect()]);
  const updated = next(bob, 'room_updated');
  const reply = await ada.timeout(10_000).emitWithAck('set_topic', { room: 'general', topic: ' Release on Friday ' });
  expect(reply.room.topic).toBe('Release on Friday');
  expect((await updated).room).toMatchObject({ name: 'general', topic: 'Release on Friday' });
  const tooLong = await ada.timeout(10_000).emitWithAck('set_topic', { room: 'general', topic: 'x'.repeat(201) });
  expect(tooLong.error.code).toBe('invalid_topic');
  // One object, not its fields as arguments.
  const spread = await ada.timeout(10_000).emitWithAck('set_topic', 'general', 'hi');
  expect(spread.error.code).toBe('bad_payload');
  const joined = await bob.timeout(10_000).emitWithAck('join', { room: 'general' });
  expect(joined.room.topic).toBe('Release on Friday');
});

/** `p`, or a failure naming `what` after 10 s (instead of the test's whole minute). */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000))]);
}

// Each wait names itself when it fails. Two tabs closing at once once left a user "online"
// (about 1 run in 10): the closes now count until their turn (server/src/chat/presence.rs).
test('socket.io-client follows presence, says when it is in use, and sets notification levels', async () => {
  const bob = await connect();
  const adaCookie = await register('ada');
  const arrived = new Promise<any>((resolve) => bob.on('presence', (p) => p.user === 'ada' && resolve(p)));
  // A connection that starts hidden says so in its CONNECT payload: ada is away, not online.
  const ada = await connect(['websocket'], adaCookie, { active: false });
  expect(await within(arrived, 'ada away')).toEqual({ user: 'ada', status: 'away' });
  expect(await bob.timeout(10_000).emitWithAck('presence', { users: ['ada', 'nobody'] })).toEqual({
    users: [{ user: 'ada', status: 'away' }, { user: 'nobody', status: 'offline' }],
  });
  const online = new Promise<any>((resolve) => bob.on('presence', (p) => p.user === 'ada' && p.status === 'online' && resolve(p)));
  expect(await ada.timeout(10_000).emitWithAck('activity', { active: true })).toEqual({ status: 'online' });
  await within(online, 'ada online');

  // Levels: every socket of the user hears the change; bad ones are refused with a reason.
  const ada2 = await connect(['websocket'], adaCookie);
  const told = next(ada2, 'notifications');
  expect(await ada.timeout(10_000).emitWithAck('set_notifications', { room: 'general', level: 'all' })).toEqual({ room: 'general', level: 'all' });
  expect(await within(told, 'notifications on the other tab')).toEqual({ room: 'general', level: 'all' });
  const rooms = await ada2.timeout(10_000).emitWithAck('rooms', {});
  expect(rooms.reads).toEqual([{ room: 'general', read: 0, notify: 'all' }]);
  const bad = await ada.timeout(10_000).emitWithAck('set_notifications', { room: 'general', level: 'loud' });
  expect(bad.error.code).toBe('bad_payload');
  const many = await bob.timeout(10_000).emitWithAck('presence', { users: Array.from({ length: 51 }, (_, i) => `u${i}`) });
  expect(many.error.code).toBe('bad_payload');
  expect(many.error.message).toContain('at most 50');
  const offline = new Promise<any>((resolve) => bob.on('presence', (p) => p.user === 'ada' && p.status === 'offline' && resolve(p)));
  ada.disconnect();
  ada2.disconnect();
  await within(offline, 'ada offline');
});
