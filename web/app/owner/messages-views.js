// The texts of the dashboard and the history (views.js), Russian and English.
export const messages = {
  ru: {
    'views.loading': 'Загружаем…',
  },
  en: {
    'views.loading': 'Loading…',
  },
};
