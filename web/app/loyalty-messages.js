// The texts of the cabinet's programme card (screens/loyalty.js), Russian
// and English: they load with that card's chunk, not with the page (the
// cabinet's first load has its byte budget). Amounts arrive formatted; {n}
// is a plain count; {share} a percentage such as 30 or 12,5.
const ru = {
  'loyalty.title': 'Бонусная программа',
  'loyalty.tier': 'Ваш уровень: {tier}',
  'loyalty.pay_share': 'Бонусами можно оплатить до {share} % чека.',
  'loyalty.next_lifetime': 'До уровня «{tier}» осталось купить на {amount}.',
  'loyalty.next_period': 'Уровень «{tier}» — от {amount} покупок за последние {months} мес.',
  'loyalty.next_single': 'Уровень «{tier}» — за одну покупку от {amount}.',
  'loyalty.top': 'Это высший уровень программы.',
  'loyalty.purchases': 'Покупок: {n}, на {amount}.',
  'loyalty.welcome': 'За первую покупку — подарок: {amount} {ticker}.',
  'loyalty.lots_title': 'Бонусы, которые сгорят',
  'loyalty.lot': '{amount} {ticker} — последний день {date}',
  'loyalty.lots_hint': 'Бонусы с ближайшим сроком тратятся первыми.',
  'loyalty.debt': 'Долг после возврата покупки: {amount} {ticker}. Его погасят следующие начисления.',
};

const en = {
  'loyalty.title': 'Bonus programme',
  'loyalty.tier': 'Your tier: {tier}',
  'loyalty.pay_share': 'Bonuses can pay up to {share} % of a receipt.',
  'loyalty.next_lifetime': '{amount} more in purchases to reach {tier}.',
  'loyalty.next_period': '{tier}: from {amount} of purchases in the last {months} months.',
  'loyalty.next_single': '{tier}: with one purchase of {amount} or more.',
  'loyalty.top': 'This is the programme’s highest tier.',
  'loyalty.purchases': 'Purchases: {n}, worth {amount}.',
  'loyalty.welcome': 'Your first purchase brings a gift: {amount} {ticker}.',
  'loyalty.lots_title': 'Bonuses that expire',
  'loyalty.lot': '{amount} {ticker}, last day {date}',
  'loyalty.lots_hint': 'Bonuses that expire soonest are spent first.',
  'loyalty.debt': 'Owed after a return: {amount} {ticker}. Your next bonuses pay it off.',
};

export const messages = { ru, en };
