// The story the owner's dashboard and export tests share, played by the real
// `kopilka` CLI on a real node (cabinet-harness.js startWorld): the worked
// example's venue with two staff, bonuses to three phones (memos with a
// comma and quotes, a formula, a leading minus), a client who claims their
// phone, redeems a donut and then a coffee, gifts a friend, a member who
// gives coins back to the treasury, and a member removed (their allowance
// returns). Every movement kind of `kopilka export` is in it.
import { claimCode, openVolodya } from '../browser/cabinet-harness.js';

export const story_ticker = 'VOLODYA';
export const phones = Object.freeze({ client: '+79000000001', second: '+79000000002', friend: '+79000000003' });

/** Plays the story; resolves to `{ owner, masha, petya }` (their addresses). */
export async function playStory(world) {
  const { cli } = world;
  await openVolodya(world);
  for (const name of ['petya', 'client']) await cli('key', 'new', name);
  const [owner, masha, petya] = await Promise.all(['owner', 'masha', 'petya'].map((k) => world.address(k)));
  const acceptance = (await cli('--as', 'petya', 'staff', 'accept', story_ticker)).trim().split('\n').at(-1);
  await cli('--as', 'owner', 'staff', 'add', story_ticker, acceptance, '--role', 'cashier');
  await cli('--as', 'owner', 'fund', story_ticker, petya, '300');

  await cli('--as', 'masha', 'send', story_ticker, '+7 900 000-00-01', '3', '--memo', 'welcome, "friend"');
  await cli('--as', 'masha', 'send', story_ticker, '+7 900 000-00-02', '5', '--memo', '=1+1');
  await cli('--as', 'petya', 'send', story_ticker, '+7 900 000-00-01', '4.50', '--memo', '-5 off');

  await cli('--as', 'client', 'claim-request', '+7 900 000-00-01');
  await cli('--as', 'client', 'claim', '+7 900 000-00-01', '--code', claimCode(world, phones.client));
  const donut = (await cli('--as', 'client', 'voucher', story_ticker, '2', '--text-only')).trim();
  await cli('--as', 'petya', 'redeem', story_ticker, donut);
  await cli('--as', 'client', 'gift', story_ticker, '+7 900 000-00-03', '1', '--memo', '@you');
  const coffee = (await cli('--as', 'client', 'voucher', story_ticker, '1', '--text-only')).trim();
  await cli('--as', 'masha', 'redeem', story_ticker, coffee);

  await cli('--as', 'masha', 'send', story_ticker, owner, '10', '--memo', 'back to the till');
  await cli('--as', 'owner', 'staff', 'remove', story_ticker, petya);
  return { owner, masha, petya };
}
