/**
 * The rules the service applies to what the form sends (RuntimeParameters.java,
 * RequestRules.java), checked as the user types. Each message names the field and the
 * rule, in the service's words. A rule returns null when the value is fine.
 */
import { describeSeconds, TimeUnit, toSeconds } from './duration';
import { IFormState } from './formState';
import {
  emailListRule,
  INotificationOptions,
  NO_NOTIFICATIONS,
  NotifyKey,
  NOTIFY_KEYS,
  notifyLabel,
  webhookListRule
} from './notify';
import { IFieldPolicy } from './policy';
import {
  compareQuantities,
  isPositive,
  isWholeNumber,
  IQuantity,
  MIN_CPU,
  MIN_MEMORY,
  parseQuantity,
  toPlainString
} from './quantity';

export type Errors = { [key: string]: string };

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const PROTECTED_PREFIXES = ['NBJ_', 'AWS_', 'JUPYTER_', 'KUBERNETES_'];
export const PROTECTED_NAMES = ['HOME', 'PATH', 'IPYTHONDIR', 'PYTHONHOME', 'PYTHONPATH'];
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 256;
export const MAX_TOKEN_LENGTH = 256;

/** The label each message starts with, as the form shows the field. */
export const LABELS = {
  profile: 'Resource profile',
  cpu: 'CPU',
  memory: 'Memory',
  gpu: 'GPUs',
  image: 'Image',
  timeout: 'Maximum run time',
  retries: 'Retries',
  idempotencyToken: 'Idempotency token',
  tags: 'Tags'
} as const;

function notAQuantity(text: string): string {
  return `'${text}' is not a Kubernetes quantity (examples: 2, 500m, 4Gi)`;
}

function limit(text: string | undefined): IQuantity | undefined {
  return text === undefined ? undefined : (parseQuantity(text) ?? undefined);
}

export function cpuRule(value: string, max?: string): string | null {
  if (value.trim() === '') {
    return null;
  }
  const q = parseQuantity(value);
  if (q === null) {
    return notAQuantity(value.trim());
  }
  if (!isPositive(q)) {
    return 'must be more than 0 (examples: 2, 500m)';
  }
  if (compareQuantities(q, MIN_CPU) < 0) {
    return `${q.text} is less than the smallest CPU request, 1m`;
  }
  const maximum = limit(max);
  if (maximum && compareQuantities(q, maximum) > 0) {
    return `${q.text} exceeds the maximum of ${maximum.text}`;
  }
  return null;
}

export function memoryRule(value: string, max?: string): string | null {
  if (value.trim() === '') {
    return null;
  }
  const q = parseQuantity(value);
  if (q === null) {
    return notAQuantity(value.trim());
  }
  if (!isPositive(q)) {
    return 'must be more than 0 (examples: 512Mi, 4Gi)';
  }
  if (compareQuantities(q, MIN_MEMORY) < 0) {
    return `${q.text} is ${toPlainString(q)} bytes, less than 16Mi; did you mean ${q.text}Mi or ${q.text}Gi?`;
  }
  const maximum = limit(max);
  if (maximum && compareQuantities(q, maximum) > 0) {
    return `${q.text} exceeds the maximum of ${maximum.text}`;
  }
  return null;
}

export function gpuRule(value: string, max?: number): string | null {
  if (value.trim() === '') {
    return null;
  }
  const q = parseQuantity(value);
  if (q === null) {
    return notAQuantity(value.trim());
  }
  if (q.unscaled < BigInt(0) || !isWholeNumber(q)) {
    return `GPUs are counted in whole numbers (0, 1, 2, ...), got ${q.text}`;
  }
  if (max !== undefined) {
    const maximum = parseQuantity(String(max)) as IQuantity;
    if (compareQuantities(q, maximum) > 0) {
      return `${q.text} exceeds the maximum of ${max}`;
    }
  }
  return null;
}

export function isProtectedName(name: string): boolean {
  return (
    PROTECTED_NAMES.includes(name) ||
    PROTECTED_PREFIXES.some(prefix => name.startsWith(prefix))
  );
}

export function envNameRule(name: string): string | null {
  if (!ENV_NAME.test(name)) {
    return `environment variable names must match ${ENV_NAME.source}`;
  }
  if (isProtectedName(name)) {
    return `${name} is reserved for the executor and cannot be set`;
  }
  return null;
}

/**
 * The registry part of an image reference, as container runtimes read it: the first
 * path segment when it looks like a host (has a '.' or ':' or is localhost), else
 * Docker Hub.
 */
export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  if (slash > 0) {
    const first = image.substring(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      return first;
    }
  }
  return 'docker.io';
}

function fromRegistry(image: string, registry: string): boolean {
  const r = registry.replace(/\/+$/, '');
  return imageRegistry(image) === r || image.startsWith(r + '/');
}

export function imageRule(
  image: string,
  pattern: string | undefined,
  registries: string[]
): string | null {
  const value = image.trim();
  if (value === '') {
    return null;
  }
  if (pattern !== undefined) {
    let re: RegExp | null = null;
    try {
      // The whole reference must match, as Java's Matcher.matches() requires.
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null; // a pattern JavaScript cannot read: the service checks it
    }
    if (re !== null && !re.test(value)) {
      return `'${value}' does not match the allowed image pattern ${pattern}`;
    }
  }
  if (registries.length > 0 && !registries.some(r => fromRegistry(value, r))) {
    return `'${value}' is not from an allowed registry (${registries.join(', ')})`;
  }
  return null;
}

export function timeoutRule(
  amount: string,
  unit: TimeUnit,
  maxSeconds?: number
): string | null {
  if (amount.trim() === '') {
    return null;
  }
  const result = toSeconds(amount, unit);
  if (!result.ok) {
    switch (result.reason) {
      case 'not-a-number':
        return `'${amount.trim()}' is not a number`;
      case 'not-whole':
        return `must be a whole number of seconds (${amount.trim()} ${unit} is not)`;
      case 'too-large':
        return `${amount.trim()} ${unit} exceeds the maximum${maxSeconds === undefined ? '' : ` of ${maxSeconds}`}`;
    }
  }
  const seconds = result.seconds;
  if (seconds <= 0) {
    return 'must be a positive number of seconds';
  }
  if (maxSeconds !== undefined && seconds > maxSeconds) {
    return `${seconds} seconds exceeds the maximum of ${maxSeconds} (${describeSeconds(maxSeconds)})`;
  }
  return null;
}

export function retriesRule(value: string, max?: number): string | null {
  const text = value.trim();
  if (text === '') {
    return null;
  }
  if (!/^[+-]?[0-9]+$/.test(text)) {
    return `'${text}' is not a whole number`;
  }
  const retries = Number(text);
  if (max !== undefined) {
    return retries < 0 || retries > max ? `must be between 0 and ${max}` : null;
  }
  return retries < 0 ? 'must be 0 or more' : null;
}

export function tagRule(tag: string): string | null {
  return tag.trim() === '' || tag.length > MAX_TAG_LENGTH
    ? `each tag must be 1 to ${MAX_TAG_LENGTH} characters`
    : null;
}

export function idempotencyTokenRule(token: string | undefined): string | null {
  return token !== undefined && token.length > MAX_TOKEN_LENGTH
    ? `must be 1 to ${MAX_TOKEN_LENGTH} characters`
    : null;
}

/** Error keys, one per field (env rows and tags by their index). */
export const ErrorKeys = {
  cpu: 'cpu',
  memory: 'memory',
  gpu: 'gpu',
  image: 'image',
  envName: (index: number): string => `env-${index}-name`,
  timeout: 'timeout_seconds',
  retries: 'max_retries',
  tag: (index: number): string => `tag-${index}`,
  tags: 'tags',
  idempotencyToken: 'idempotencyToken',
  notify: (key: NotifyKey): string => `notify.${key}`
};

export interface IModelFields {
  /** Only jobs (not job definitions) send the idempotency token. */
  createType: 'Job' | 'JobDefinition';
  idempotencyToken?: string;
  tags?: string[];
}

/** Every error of the form, keyed by field; empty when Create may go ahead. */
export function validateForm(
  state: IFormState,
  policy: IFieldPolicy,
  model: IModelFields,
  notifications: INotificationOptions = NO_NOTIFICATIONS
): Errors {
  const errors: Errors = {};
  const add = (key: string, label: string, message: string | null): void => {
    if (message !== null) {
      errors[key] = `${label}: ${message}`;
    }
  };
  const limits = policy.limits;
  if (policy.resources.cpu.editable) {
    add(ErrorKeys.cpu, LABELS.cpu, cpuRule(state.cpu, limits?.maxCpu));
  }
  if (policy.resources.memory.editable) {
    add(ErrorKeys.memory, LABELS.memory, memoryRule(state.memory, limits?.maxMemory));
  }
  if (policy.resources.gpu.editable) {
    add(ErrorKeys.gpu, LABELS.gpu, gpuRule(state.gpu, limits?.maxGpu));
  }
  if (policy.image.kind === 'free') {
    add(
      ErrorKeys.image,
      LABELS.image,
      imageRule(state.image, policy.image.pattern, policy.image.registries)
    );
  }
  const seen = new Map<string, number>();
  state.env.forEach((row, index) => {
    const label = `Environment variable ${index + 1}`;
    if (row.name.trim() === '') {
      if (row.value !== '') {
        add(ErrorKeys.envName(index), label, 'a name is required');
      }
      return;
    }
    const rule = envNameRule(row.name);
    if (rule !== null) {
      add(ErrorKeys.envName(index), label, rule);
    } else if (seen.has(row.name)) {
      add(
        ErrorKeys.envName(index),
        label,
        `${row.name} is already set by variable ${(seen.get(row.name) as number) + 1}`
      );
    }
    if (!seen.has(row.name)) {
      seen.set(row.name, index);
    }
  });
  add(
    ErrorKeys.timeout,
    LABELS.timeout,
    timeoutRule(state.timeout, state.timeoutUnit, limits?.maxTimeoutSeconds)
  );
  add(ErrorKeys.retries, LABELS.retries, retriesRule(state.retries, limits?.maxRetries));
  for (const key of NOTIFY_KEYS) {
    const value = state.notify[key];
    if (value.trim() === '') {
      continue;
    }
    const rule = key.startsWith('email.')
      ? notifications.email
        ? emailListRule(value)
        : 'this service sends no email'
      : webhookListRule(value, notifications.webhooks);
    add(ErrorKeys.notify(key), notifyLabel(key), rule);
  }
  const tags = model.tags ?? [];
  if (tags.length > MAX_TAGS) {
    add(ErrorKeys.tags, LABELS.tags, `at most ${MAX_TAGS} tags`);
  }
  tags.forEach((tag, index) => add(ErrorKeys.tag(index), `Tag ${index + 1}`, tagRule(tag)));
  if (model.createType === 'Job') {
    add(
      ErrorKeys.idempotencyToken,
      LABELS.idempotencyToken,
      idempotencyTokenRule(model.idempotencyToken)
    );
  }
  return errors;
}
