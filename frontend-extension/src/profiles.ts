import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { INotificationOptions, NO_NOTIFICATIONS } from './notify';

/** One entry of `GET /scheduler/profiles` (see docs: the profiles contract). */
export interface IProfile {
  name: string;
  displayName: string;
  description: string;
  cpu?: string;
  memory?: string;
  gpu?: number;
  /** Images the profile allows; empty means the runtime environment's image. */
  images: string[];
  /** cpu / memory / gpu / image come from the request (within the limits). */
  custom: boolean;
  /** Fields a request may override for a fixed profile (within the limits). */
  overridable: string[];
  /** The Kueue LocalQueue that admits this profile's jobs; absent when they start at once. */
  queue?: string;
}

/** What the profile picker says under the chosen profile. */
export function profileHelp(profile: IProfile | undefined): string {
  if (!profile) {
    return ' ';
  }
  const queued = profile.queue
    ? `Waits in the Kueue queue ${profile.queue} until its quota admits it.`
    : '';
  return [profile.description, queued].filter(Boolean).join(' ') || ' ';
}

export interface ILimits {
  maxCpu?: string;
  maxMemory?: string;
  maxGpu?: number;
  customImage: boolean;
  imagePattern?: string;
  allowedRegistries: string[];
  maxTimeoutSeconds?: number;
  maxRetries?: number;
}

export interface IProfilesResponse {
  profiles: IProfile[];
  defaultProfile?: string;
  limits: ILimits;
  user?: { name: string; admin: boolean };
  /** What the service can send; none when it does not say (an older service). */
  notifications: INotificationOptions;
}

/** What the form knows about profiles and limits. */
export type ProfilesState =
  | { status: 'loading' }
  | { status: 'loaded'; response: IProfilesResponse }
  /** 404: the service has no profiles route (yet); free fields, limits unknown. */
  | { status: 'unavailable' }
  /** Any other failure; free fields, limits unknown, and a note saying so. */
  | { status: 'failed'; message: string };

export const PROFILES_PATH = 'scheduler/profiles';

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value.trim() === '' ? undefined : value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return undefined;
}

function optionalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string' && v !== '')
    : [];
}

function parseProfile(value: unknown): IProfile | null {
  if (!isObject(value) || typeof value.name !== 'string' || !value.name) {
    return null;
  }
  return {
    name: value.name,
    displayName: optionalString(value.display_name) ?? value.name,
    description: optionalString(value.description) ?? '',
    cpu: optionalString(value.cpu),
    memory: optionalString(value.memory),
    gpu: optionalNumber(value.gpu),
    images: stringList(value.images),
    custom: value.custom === true,
    overridable: stringList(value.overridable),
    queue: optionalString(value.queue)
  };
}

function parseLimits(value: unknown): ILimits {
  const limits = isObject(value) ? value : {};
  return {
    maxCpu: optionalString(limits.max_cpu),
    maxMemory: optionalString(limits.max_memory),
    maxGpu: optionalNumber(limits.max_gpu),
    customImage: limits.custom_image === true,
    imagePattern: optionalString(limits.image_pattern),
    allowedRegistries: stringList(limits.allowed_registries),
    maxTimeoutSeconds: optionalNumber(limits.max_timeout_seconds),
    maxRetries: optionalNumber(limits.max_retries)
  };
}

/** The answer of `GET /scheduler/profiles`, with entries that have no name left out. */
export function parseProfilesResponse(body: unknown): IProfilesResponse {
  if (!isObject(body)) {
    throw new Error('the answer is not a JSON object');
  }
  const profiles = Array.isArray(body.profiles)
    ? body.profiles
        .map(parseProfile)
        .filter((p): p is IProfile => p !== null)
    : [];
  const user = isObject(body.user)
    ? { name: String(body.user.name ?? ''), admin: body.user.admin === true }
    : undefined;
  return {
    profiles,
    defaultProfile: optionalString(body.default_profile),
    limits: parseLimits(body.limits),
    user,
    notifications: isObject(body.notifications)
      ? {
          email: body.notifications.email === true,
          webhooks: stringList(body.notifications.webhooks)
        }
      : NO_NOTIFICATIONS
  };
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = await response.json();
    if (isObject(body) && typeof body.message === 'string' && body.message) {
      return body.message;
    }
  } catch {
    // not JSON: fall back to the status text
  }
  return response.statusText || 'no message';
}

/** Loads the profiles through the Jupyter server (the bridge forwards to the service). */
export async function fetchProfiles(
  settings: ServerConnection.ISettings
): Promise<ProfilesState> {
  const url = URLExt.join(settings.baseUrl, PROFILES_PATH);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (e) {
    return {
      status: 'failed',
      message: `the request failed (${e instanceof Error ? e.message : String(e)})`
    };
  }
  if (response.status === 404) {
    return { status: 'unavailable' };
  }
  if (!response.ok) {
    return {
      status: 'failed',
      message: `HTTP ${response.status}: ${await errorMessage(response)}`
    };
  }
  try {
    return {
      status: 'loaded',
      response: parseProfilesResponse(await response.json())
    };
  } catch (e) {
    return {
      status: 'failed',
      message: `unreadable answer (${e instanceof Error ? e.message : String(e)})`
    };
  }
}
