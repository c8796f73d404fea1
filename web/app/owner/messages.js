// The owner page's own texts (the home, the wizard and the settings), Russian
// and English. Shared screens' texts (offline, refused, errors) come from the
// cabinet's dictionary (app.js picks them); the views' from messages-views.js.
export const messages = {
  ru: {
    'page.title': 'Копилка — владелец',
    'owner.home.title': 'Ваши заведения',
    'owner.home.none': 'В этом браузере пока нет ключа владельца. Запустите бонусную программу за пять минут или откройте ключ, сделанный программой kopilka.',
    'owner.home.launch': 'Запустить программу',
    'owner.home.import': 'Открыть файл ключа',
    'owner.venue.settings': 'Настройки',
    'owner.venue.all': 'Все заведения',
  },
  en: {
    'page.title': 'Kopilka — owner',
    'owner.home.title': 'Your venues',
    'owner.home.none': 'This browser holds no owner key yet. Launch a bonus programme in five minutes, or open a key file the kopilka program made.',
    'owner.home.launch': 'Launch a programme',
    'owner.home.import': 'Open a key file',
    'owner.venue.settings': 'Settings',
    'owner.venue.all': 'All venues',
  },
};
