// The owner page's own texts (the wizard and the settings), Russian and
// English. Shared screens' texts (offline, refused, errors) come from the
// cabinet's dictionary (app.js picks them); the views' from messages-views.js.
export const messages = {
  ru: {
    'page.title': 'Копилка — владелец',
    'owner.home.none': 'В этом браузере нет ключа владельца.',
  },
  en: {
    'page.title': 'Kopilka — owner',
    'owner.home.none': 'This browser holds no owner key.',
  },
};
