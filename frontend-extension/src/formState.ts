/**
 * The form's state and its mapping to and from `runtimeEnvironmentParameters`, the flat
 * map the scheduler UI sends as `runtime_environment_parameters`. Keys written: `profile`,
 * `cpu`, `memory`, `gpu` (number), `image`, `env.NAME`, `timeout_seconds` (number),
 * `max_retries` (number), `notify.email.on_start` ... `notify.webhook.on_failure` (lists as
 * text, see notify.ts). An empty field means "the default": its key is left out.
 * Keys the form does not manage are kept as they are.
 */
import { fromSeconds, TimeUnit, toSeconds } from './duration';
import { IFieldPolicy, RESOURCE_FIELDS, ResourceField } from './policy';
import { NOTIFY_KEYS, NOTIFY_PREFIX, NotifyKey, splitList } from './notify';
import { parseQuantity, toWholeNumber } from './quantity';

export type ParameterValue = string | number | boolean;
export type Parameters = { [key: string]: ParameterValue };

export const ENV_PREFIX = 'env.';
/** How the service echoes environment values back. */
export const MASK = '********';

/** The service's older names for the resource keys; the form's value replaces them. */
const LEGACY_KEYS: { [field in ResourceField]: string } = {
  cpu: 'k8s_cpu',
  memory: 'k8s_memory',
  gpu: 'k8s_gpu'
};

const MANAGED_KEYS = new Set<string>([
  'profile',
  'cpu',
  'memory',
  'gpu',
  'image',
  'timeout_seconds',
  'max_retries',
  ...Object.values(LEGACY_KEYS)
]);

export interface IEnvRow {
  name: string;
  value: string;
}

export interface IFormState {
  /** The chosen profile's name; '' when there is no picker. */
  profile: string;
  cpu: string;
  memory: string;
  gpu: string;
  image: string;
  env: IEnvRow[];
  /** Maximum run time as typed, in `timeoutUnit`. */
  timeout: string;
  timeoutUnit: TimeUnit;
  retries: string;
  /** Notification lists as typed, by key (`email.on_failure`). */
  notify: { [key in NotifyKey]: string };
}

export function isManagedKey(key: string): boolean {
  return MANAGED_KEYS.has(key) || key.startsWith(ENV_PREFIX) || key.startsWith(NOTIFY_PREFIX);
}

function readNotify(p: Parameters): { [key in NotifyKey]: string } {
  const notify = {} as { [key in NotifyKey]: string };
  for (const key of NOTIFY_KEYS) {
    notify[key] = text(p[NOTIFY_PREFIX + key]);
  }
  return notify;
}

function text(value: ParameterValue | undefined): string {
  return value === undefined ? '' : String(value);
}

/** The form's state for parameters already in the model (or none). */
export function readFormState(params: Parameters | undefined): IFormState {
  const p = params ?? {};
  const env = Object.keys(p)
    .filter(key => key.startsWith(ENV_PREFIX))
    .map(key => ({ name: key.substring(ENV_PREFIX.length), value: text(p[key]) }));
  const seconds = Number(text(p.timeout_seconds));
  const timeout =
    text(p.timeout_seconds).trim() === ''
      ? { amount: '', unit: 'hours' as TimeUnit }
      : Number.isFinite(seconds)
        ? fromSeconds(seconds)
        : { amount: text(p.timeout_seconds), unit: 'seconds' as TimeUnit };
  return {
    profile: text(p.profile),
    cpu: text(p.cpu ?? p[LEGACY_KEYS.cpu]),
    memory: text(p.memory ?? p[LEGACY_KEYS.memory]),
    gpu: text(p.gpu ?? p[LEGACY_KEYS.gpu]),
    image: text(p.image),
    env,
    timeout: timeout.amount,
    timeoutUnit: timeout.unit,
    retries: text(p.max_retries),
    notify: readNotify(p)
  };
}

/**
 * The state after choosing the policy's profile: its name, and cpu / memory / gpu / image
 * reset to what the profile sets. Environment, run time and retries are kept.
 */
export function applyProfile(state: IFormState, policy: IFieldPolicy): IFormState {
  if (policy.profile === undefined) {
    return state;
  }
  const image = policy.image.kind === 'select' ? policy.image.options[0] : '';
  return {
    ...state,
    profile: policy.profile.name,
    cpu: policy.resources.cpu.preset ?? '',
    memory: policy.resources.memory.preset ?? '',
    gpu: policy.resources.gpu.preset ?? '',
    image
  };
}

/**
 * Like applyProfile, but keeps what the user may edit: for a form that comes back with
 * values already in the model (the panel was mounted again). Read-only fields still show
 * the profile's values and a select falls back to its first image.
 */
export function keepEditsForProfile(
  state: IFormState,
  policy: IFieldPolicy
): IFormState {
  if (policy.profile === undefined) {
    return state;
  }
  const next: IFormState = { ...state, profile: policy.profile.name };
  for (const field of RESOURCE_FIELDS) {
    const rule = policy.resources[field];
    if (!rule.editable || state[field].trim() === '') {
      next[field] = rule.preset ?? '';
    }
  }
  if (policy.image.kind === 'select' && !policy.image.options.includes(state.image)) {
    next.image = policy.image.options[0];
  } else if (policy.image.kind === 'none') {
    next.image = '';
  }
  return next;
}

function resourceValue(field: ResourceField, value: string): ParameterValue {
  if (field !== 'gpu') {
    return value;
  }
  // The contract sends GPUs as a whole number; anything else stays text (and has an error).
  const q = parseQuantity(value);
  const whole = q === null ? null : toWholeNumber(q);
  return whole === null ? value : whole;
}

/** `runtimeEnvironmentParameters` for the form's state under the policy. */
export function writeParameters(
  existing: Parameters | undefined,
  state: IFormState,
  policy: IFieldPolicy
): Parameters {
  const out: Parameters = {};
  for (const [key, value] of Object.entries(existing ?? {})) {
    if (!isManagedKey(key)) {
      out[key] = value;
    }
  }
  if (policy.profile !== undefined) {
    out.profile = policy.profile.name;
  }
  for (const field of RESOURCE_FIELDS) {
    const rule = policy.resources[field];
    const value = state[field].trim();
    if (!rule.editable || value === '') {
      // Read-only: the profile decides, so the service needs no value.
      continue;
    }
    const fixedProfile = policy.profile !== undefined && !policy.profile.custom;
    if (fixedProfile && value === rule.preset) {
      // An overridable field left at the profile's value is no override.
      continue;
    }
    out[field] = resourceValue(field, value);
  }
  const image = state.image.trim();
  if (
    image !== '' &&
    (policy.image.kind === 'free' ||
      (policy.image.kind === 'select' && policy.image.options.includes(image)))
  ) {
    out.image = image;
  }
  for (const row of state.env) {
    if (row.name.trim() !== '') {
      out[ENV_PREFIX + row.name] = row.value;
    }
  }
  if (state.timeout.trim() !== '') {
    const seconds = toSeconds(state.timeout, state.timeoutUnit);
    out.timeout_seconds = seconds.ok ? seconds.seconds : state.timeout.trim();
  }
  const retries = state.retries.trim();
  if (retries !== '') {
    out.max_retries = /^[+-]?[0-9]+$/.test(retries) ? Number(retries) : retries;
  }
  for (const key of NOTIFY_KEYS) {
    const entries = splitList(state.notify[key]);
    if (entries.length > 0) {
      out[NOTIFY_PREFIX + key] = entries.join(', ');
    }
  }
  return out;
}

/** A stable text form of a parameter map, to tell whether the model already has ours. */
export function parametersKey(params: Parameters | undefined): string {
  const p = params ?? {};
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map(key => [key, p[key]])
  );
}
