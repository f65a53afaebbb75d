import { ILimits, IProfile, ProfilesState } from './profiles';

export type ResourceField = 'cpu' | 'memory' | 'gpu';
export const RESOURCE_FIELDS: readonly ResourceField[] = ['cpu', 'memory', 'gpu'];

export interface IResourceRule {
  /** The user may type a value (custom profile, overridable field, or no profiles). */
  editable: boolean;
  /** The profile's value, shown when not editable and prefilled when it is. */
  preset?: string;
}

export type ImageRule =
  /** No choice: the runtime environment's or the profile's only image is used. */
  | { kind: 'none'; image?: string }
  /** A fixed profile that lists several images: pick one. */
  | { kind: 'select'; options: string[] }
  /** A custom profile (or one that lists `image` as overridable) and `limits.custom_image`:
   * any image the pattern and registries allow. */
  | {
      kind: 'free';
      pattern?: string;
      registries: string[];
      suggestions: string[];
    };

/** What the form may edit and within which limits, for one choice of profile. */
export interface IFieldPolicy {
  /** Profiles to pick from; empty when there is no picker. */
  profiles: IProfile[];
  /** The chosen profile, when there are profiles. */
  profile?: IProfile;
  /** Known limits; undefined when the profiles route was missing or failed. */
  limits?: ILimits;
  resources: { [field in ResourceField]: IResourceRule };
  image: ImageRule;
  /** Still waiting for the profiles. */
  loading: boolean;
  /** Why the limits are unknown, when the profiles could not be loaded (not for a 404). */
  note?: string;
}

/** The profile to start with: the one asked for if it exists, else the default, else the first. */
export function chooseProfile(
  profiles: IProfile[],
  requested: string | undefined,
  defaultProfile: string | undefined
): IProfile | undefined {
  return (
    profiles.find(p => p.name === requested) ??
    profiles.find(p => p.name === defaultProfile) ??
    profiles[0]
  );
}

function presetOf(profile: IProfile, field: ResourceField): string | undefined {
  const value = profile[field];
  return value === undefined ? undefined : String(value);
}

function freeResources(): IFieldPolicy['resources'] {
  return { cpu: { editable: true }, memory: { editable: true }, gpu: { editable: true } };
}

function imageRule(profile: IProfile, limits: ILimits): ImageRule {
  const mayChoose = profile.custom || profile.overridable.includes('image');
  if (mayChoose && limits.customImage) {
    return {
      kind: 'free',
      pattern: limits.imagePattern,
      registries: limits.allowedRegistries,
      suggestions: profile.images
    };
  }
  if (profile.images.length > 1) {
    return { kind: 'select', options: profile.images };
  }
  return { kind: 'none', image: profile.images[0] };
}

/** The field rules for the profiles state and the profile the form has chosen. */
export function resolvePolicy(
  state: ProfilesState,
  chosenProfile: string | undefined
): IFieldPolicy {
  switch (state.status) {
    case 'loading':
      return {
        profiles: [],
        resources: freeResources(),
        image: { kind: 'none' },
        loading: true
      };
    case 'unavailable':
      return {
        profiles: [],
        resources: freeResources(),
        image: { kind: 'none' },
        loading: false
      };
    case 'failed':
      return {
        profiles: [],
        resources: freeResources(),
        image: { kind: 'none' },
        loading: false,
        note: `Resource profiles could not be loaded (${state.message}); the service will check the values when the job is created.`
      };
    case 'loaded': {
      const { profiles, limits, defaultProfile } = state.response;
      const profile = chooseProfile(profiles, chosenProfile, defaultProfile);
      if (profile === undefined) {
        // No group policy configured: free fields within the limits.
        return {
          profiles: [],
          limits,
          resources: freeResources(),
          image: { kind: 'none' },
          loading: false
        };
      }
      const rule = (field: ResourceField): IResourceRule => ({
        editable: profile.custom || profile.overridable.includes(field),
        preset: presetOf(profile, field)
      });
      return {
        profiles,
        profile,
        limits,
        resources: { cpu: rule('cpu'), memory: rule('memory'), gpu: rule('gpu') },
        image: imageRule(profile, limits),
        loading: false
      };
    }
  }
}
