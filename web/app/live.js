// Live news of an account over the node's WebSocket (`/ws`, subscribe topic
// "account", docs/rpc.md): every committed transaction touching it. A lost
// socket is reopened with exponential backoff, and the caller is told when it
// is back, so it can re-check the node and re-read what it may have missed.

export const ws_retry_first_ms = 1_000;
export const ws_retry_max_ms = 30_000;
// A notification is one transaction; anything far larger is not from an honest node.
export const ws_message_chars_max = 64 * 1024;

/** The wait before reconnect attempt `attempt` (0, 1, …): doubling, capped, ±20% so tabs do not reconnect in step. */
export function retryDelayMs(attempt, random = Math.random) {
  const base = Math.min(ws_retry_max_ms, ws_retry_first_ms * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * random()));
}

function socketUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/**
 * Watches `account` (text). `onActivity({ id, height, index, tx })` for each
 * transaction; `onState('live' | 'reconnecting', { again })`, where `again`
 * is true when the subscription is back after a loss. Returns a function
 * that stops watching.
 */
export function watchAccount(account, { onActivity, onState }) {
  let socket = null;
  let attempt = 0;
  let wasLive = false;
  let stopped = false;
  let timer = null;

  function retry() {
    if (stopped || timer) return;
    onState('reconnecting', { again: wasLive });
    timer = setTimeout(() => {
      timer = null;
      open();
    }, retryDelayMs(attempt++));
  }

  function open() {
    socket = new WebSocket(socketUrl());
    socket.onopen = () =>
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { topic: 'account', account } }));
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string' || event.data.length > ws_message_chars_max) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message?.id === 1) {
        if (message.error) return socket.close();
        onState('live', { again: wasLive });
        wasLive = true;
        attempt = 0;
      } else if (message?.method === 'subscription' && message.params?.result?.tx) {
        onActivity(message.params.result);
      }
    };
    socket.onclose = retry;
    socket.onerror = () => socket.close();
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
  };
}
