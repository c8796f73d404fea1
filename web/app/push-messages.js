// The texts of the cabinet's web push part (screens/push.js), Russian
// and English. They load with that part's chunk, not with the page: most
// visits never show it, and the cabinet's first load has its byte budget.
// screens/push.js lays them over the cabinet's own (messages.js), so the keys
// errors.js gives for messages.push.* (`push.error.*`) are found there.
const ru = {
  'push.title': 'Уведомления в браузере',
  'push.off': 'Сообщения о бонусах от всех заведений могут приходить сюда, в этот браузер, вместо SMS. Это бесплатно — и для вас, и для заведения.',
  'push.turn_on': 'Включить уведомления',
  'push.sms_stay': 'Коды подтверждения и предупреждения о переносе номера всё равно придут по SMS.',
  'push.on': 'Уведомления включены с {since}: сообщения о бонусах приходят в браузер, а не по SMS.',
  'push.on_other': 'Если включить уведомления в другом браузере, они будут приходить туда, а не сюда.',
  'push.turn_off': 'Отключить уведомления',
  'push.turned_off': 'Уведомления отключены: сообщения снова приходят по SMS.',
  'push.denied': 'Браузер запретил этой странице показывать уведомления, поэтому сообщения приходят по SMS. Чтобы включить их, нажмите на значок слева от адреса страницы, разрешите «Уведомления» и обновите страницу.',
  'push.denied_on': 'Пока уведомления запрещены, сообщения не видны. Разрешите их — или отключите, чтобы сообщения сразу пошли по SMS.',
  'push.dismissed': 'Браузер спросил, можно ли показывать уведомления, но ответа не было. Нажмите «Включить уведомления» ещё раз и выберите «Разрешить».',
  'push.failed': 'Этот браузер не смог подписаться на уведомления. Сообщения по-прежнему приходят по SMS.',
  'push.retry': 'Попробовать снова',
  'push.error.invalid': 'Сервер не принял подписку этого браузера. Сообщения по-прежнему приходят по SMS; можно попробовать другой браузер.',
  'push.error.unauthorized': 'Сервер не принял подпись этого устройства: номер перенесён на другое устройство, или часы здесь идут неверно. Проверьте время, обновите страницу и попробуйте снова.',
  'push.error.unavailable': 'Уведомления на этом сервере сейчас недоступны. Сообщения по-прежнему приходят по SMS.',
};

const en = {
  'push.title': 'Notifications in this browser',
  'push.off': 'Messages about bonuses from every venue can come here, to this browser, instead of by SMS. It is free, for you and for the venue.',
  'push.turn_on': 'Turn notifications on',
  'push.sms_stay': 'Confirmation codes and warnings that your number is moving still come by SMS.',
  'push.on': 'Notifications are on since {since}: messages about bonuses come to the browser, not by SMS.',
  'push.on_other': 'If you turn notifications on in another browser, they will go there instead of here.',
  'push.turn_off': 'Turn notifications off',
  'push.turned_off': 'Notifications are off: messages come by SMS again.',
  'push.denied': 'The browser blocks notifications from this page, so messages come by SMS. To allow them, tap the icon left of the page’s address, allow “Notifications” and reload the page.',
  'push.denied_on': 'While notifications are blocked you will not see messages. Allow them, or turn them off so that messages go by SMS at once.',
  'push.dismissed': 'The browser asked whether it may show notifications, and got no answer. Press “Turn notifications on” again and choose “Allow”.',
  'push.failed': 'This browser could not subscribe to notifications. Messages keep coming by SMS.',
  'push.retry': 'Try again',
  'push.error.invalid': 'The server did not take this browser’s subscription. Messages keep coming by SMS; another browser may work.',
  'push.error.unauthorized': 'The server did not accept this device’s signature: the number moved to another device, or this device’s clock is wrong. Check the time, reload the page and try again.',
  'push.error.unavailable': 'Notifications are not available on this server now. Messages keep coming by SMS.',
};

export const messages = { ru, en };
