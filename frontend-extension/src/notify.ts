/**
 * Notifications in the create form. The stock form has no field for them, so, like the
 * resources, they travel in `runtime_environment_parameters`: `notify.email.on_failure`
 * with addresses and `notify.webhook.on_success` with the names of webhook endpoints the
 * operator configured, each a comma-separated list. The service reads them as it reads
 * `email_notifications` and `webhook_notifications`.
 */

/** What the service can send, from `GET /scheduler/profiles`. */
export interface INotificationOptions {
  /** A sender address is configured: email_notifications work. */
  email: boolean;
  /** Configured webhook endpoints by name. */
  webhooks: string[];
}

export const NO_NOTIFICATIONS: INotificationOptions = { email: false, webhooks: [] };

export const NOTIFY_PREFIX = 'notify.';

export const NOTIFY_EVENTS = ['on_start', 'on_success', 'on_failure'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const NOTIFY_CHANNELS = ['email', 'webhook'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

/** `email.on_start` ... `webhook.on_failure`. */
export type NotifyKey = `${NotifyChannel}.${NotifyEvent}`;

export const NOTIFY_KEYS: NotifyKey[] = NOTIFY_CHANNELS.flatMap(channel =>
  NOTIFY_EVENTS.map(event => `${channel}.${event}` as NotifyKey)
);

export const EVENT_LABELS: { [event in NotifyEvent]: string } = {
  on_start: 'when it starts',
  on_success: 'when it completes',
  on_failure: 'when it fails'
};

export function notifyLabel(key: NotifyKey): string {
  const [channel, event] = key.split('.') as [NotifyChannel, NotifyEvent];
  return `${channel === 'email' ? 'Email' : 'Webhooks'} ${EVENT_LABELS[event]}`;
}

/** The entries of a comma- (or space-) separated list. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map(s => s.trim())
    .filter(s => s !== '');
}

/** As the service checks it: one address, an @, a dot in the domain. */
const ADDRESS = /^[^@\s<>,;"()[\]]{1,64}@[^@\s<>,;"()[\]]+\.[^@\s<>,;"()[\].]{2,}$/;
export const MAX_RECIPIENTS = 10;

export function emailListRule(text: string): string | null {
  const addresses = splitList(text);
  const bad = addresses.find(a => a.length > 254 || !ADDRESS.test(a));
  if (bad !== undefined) {
    return `'${bad}' is not an email address`;
  }
  if (new Set(addresses).size > MAX_RECIPIENTS) {
    return `at most ${MAX_RECIPIENTS} addresses`;
  }
  return null;
}

export function webhookListRule(text: string, configured: string[]): string | null {
  const unknown = splitList(text).find(name => !configured.includes(name));
  if (unknown === undefined) {
    return null;
  }
  return configured.length === 0
    ? 'this service has no webhooks configured'
    : `no webhook named '${unknown}' (configured: ${configured.join(', ')})`;
}
