/**
 * What the job and job-definition detail views show of `runtime_environment_parameters`
 * as the service echoes them (environment values masked).
 */
import { describeSeconds } from './duration';
import { ENV_PREFIX, isManagedKey, MASK, Parameters } from './formState';
import { NOTIFY_KEYS, NOTIFY_PREFIX, notifyLabel } from './notify';

export interface IParametersSummary {
  profile?: string;
  cpu?: string;
  memory?: string;
  gpu?: string;
  image?: string;
  /** Names in the order given; values are never shown. */
  envNames: string[];
  /** "2 hours (7200 seconds)". */
  timeout?: string;
  retries?: string;
  /** Who is told, as label and list: ["Email when it fails", "oncall@example.org"]. */
  notify: [string, string][];
  /** Keys the form does not manage, as given. */
  other: [string, string][];
}

function shown(value: string | number | boolean | undefined): string | undefined {
  if (value === undefined || String(value).trim() === '') {
    return undefined;
  }
  return String(value);
}

export function summarizeParameters(params: Parameters | undefined): IParametersSummary {
  const p = params ?? {};
  const seconds = Number(p.timeout_seconds);
  const timeoutText = shown(p.timeout_seconds);
  return {
    profile: shown(p.profile),
    cpu: shown(p.cpu ?? p.k8s_cpu),
    memory: shown(p.memory ?? p.k8s_memory),
    gpu: shown(p.gpu ?? p.k8s_gpu),
    image: shown(p.image),
    envNames: Object.keys(p)
      .filter(key => key.startsWith(ENV_PREFIX))
      .map(key => key.substring(ENV_PREFIX.length)),
    timeout:
      timeoutText === undefined
        ? undefined
        : Number.isSafeInteger(seconds) && seconds > 0
          ? `${describeSeconds(seconds)} (${seconds} seconds)`
          : timeoutText,
    retries: shown(p.max_retries),
    notify: NOTIFY_KEYS.filter(key => shown(p[NOTIFY_PREFIX + key]) !== undefined).map(key => [
      notifyLabel(key),
      String(p[NOTIFY_PREFIX + key])
    ]),
    other: Object.keys(p)
      .filter(key => !isManagedKey(key))
      .sort()
      .map(key => [key, String(p[key])])
  };
}

export { MASK };
