// The story the owner's dashboard and export tests share, played by the real
// `kopilka` CLI on a real node (cabinet-harness.js startWorld) over three
// UTC days: eight days ago (last week) the worked example's venue opens with
// two staff, a client gets 3, claims the phone and redeems a donut; two days
// ago a second phone gets 5 and the first 4.50 more (a returning client);
// today the client gifts a friend and redeems a coffee, a member gives coins
// back to the treasury and the other is removed (their allowance returns).
// Memos hold a comma and quotes, a formula, a leading minus and an @. Every
// movement kind of `kopilka export` is in it.
//
// The node runs each of the first two days with its clock set days behind
// the wall clock (kopilkad --clock-offset-s, a test network's option, given
// here through its environment variable); block time only moves forward, so
// the node is restarted on the same data dir and port for each later day.
// The CLI runs as it is: it counts every expiry on the node's clock.
import assert from 'node:assert/strict';
import { runNode } from '../kopilkad.js';
import { claimCode, openVolodya, startWorld } from '../browser/cabinet-harness.js';

export const story_ticker = 'VOLODYA';
export const phones = Object.freeze({ client: '+79000000001', second: '+79000000002', friend: '+79000000003' });

// The days before today the story's first two parts happen on.
export const story_days_ago = Object.freeze([8, 2]);

const seconds_per_day = 86_400;
const offset_variable = 'KOPILKAD_CLOCK_OFFSET_S';
const saved_offset = process.env[offset_variable];

/** Nodes started from now on (init and run) live `days` behind the wall clock; 0 restores it. */
function liveDaysAgo(days) {
  assert.ok(Number.isInteger(days) && days >= 0, `days must be a whole number, got ${days}`);
  if (days > 0) process.env[offset_variable] = String(-days * seconds_per_day);
  else if (saved_offset === undefined) delete process.env[offset_variable];
  else process.env[offset_variable] = saved_offset;
}

/** `start()` (a node's init and run) with the node's clock `days` behind. */
async function startedDaysAgo(days, start) {
  liveDaysAgo(days);
  try {
    return await start();
  } finally {
    liveDaysAgo(0);
  }
}

async function restartNode(world, daysAgo) {
  await world.node.stop();
  world.node = await startedDaysAgo(daysAgo, () => runNode(world.datadir, { port: world.node.port }));
  world.url = world.node.url;
}

/**
 * A node for one test file with the story played on it:
 * `{ world, people: { owner, masha, petya }, today_ms }` (their addresses;
 * 00:00 UTC of the story's last day, which a test run across midnight needs).
 */
export async function storyWorld(name) {
  const world = await startedDaysAgo(story_days_ago[0], () => startWorld(name));
  const people = await playStory(world);
  return { world, people, today_ms: Math.floor(Date.now() / 86_400_000) * 86_400_000 };
}

async function playStory(world) {
  const { cli } = world;
  await openVolodya(world);
  for (const name of ['petya', 'client']) await cli('key', 'new', name);
  const [owner, masha, petya] = await Promise.all(['owner', 'masha', 'petya'].map((k) => world.address(k)));
  const acceptance = (await cli('--as', 'petya', 'staff', 'accept', story_ticker)).trim().split('\n').at(-1);
  await cli('--as', 'owner', 'staff', 'add', story_ticker, acceptance, '--role', 'cashier');
  await cli('--as', 'owner', 'fund', story_ticker, petya, '300');

  await cli('--as', 'masha', 'send', story_ticker, '+7 900 000-00-01', '3', '--memo', 'welcome, "friend"');
  await cli('--as', 'client', 'claim-request', '+7 900 000-00-01');
  await cli('--as', 'client', 'claim', '+7 900 000-00-01', '--code', claimCode(world, phones.client));
  const donut = (await cli('--as', 'client', 'voucher', story_ticker, '2', '--text-only')).trim();
  await cli('--as', 'petya', 'redeem', story_ticker, donut);

  await restartNode(world, story_days_ago[1]);
  await cli('--as', 'masha', 'send', story_ticker, '+7 900 000-00-02', '5', '--memo', '=1+1');
  await cli('--as', 'petya', 'send', story_ticker, '+7 900 000-00-01', '4.50', '--memo', '-5 off');

  await restartNode(world, 0);
  await cli('--as', 'client', 'gift', story_ticker, '+7 900 000-00-03', '1', '--memo', '@you');
  const coffee = (await cli('--as', 'client', 'voucher', story_ticker, '1', '--text-only')).trim();
  await cli('--as', 'masha', 'redeem', story_ticker, coffee);

  await cli('--as', 'masha', 'send', story_ticker, owner, '10', '--memo', 'back to the till');
  await cli('--as', 'owner', 'staff', 'remove', story_ticker, petya);
  return { owner, masha, petya };
}
