import { IFormState, readFormState } from '../src/formState';
import { IFieldPolicy, resolvePolicy } from '../src/policy';
import { parseProfilesResponse } from '../src/profiles';
import {
  cpuRule,
  envNameRule,
  gpuRule,
  idempotencyTokenRule,
  imageRegistry,
  imageRule,
  memoryRule,
  PROTECTED_NAMES,
  PROTECTED_PREFIXES,
  retriesRule,
  tagRule,
  timeoutRule,
  validateForm
} from '../src/validation';

describe('cpu', () => {
  it('accepts empty (the default) and valid quantities', () => {
    expect(cpuRule('', '16')).toBeNull();
    expect(cpuRule('2', '16')).toBeNull();
    expect(cpuRule('500m', '16')).toBeNull();
    expect(cpuRule('1m')).toBeNull();
    expect(cpuRule('16', '16')).toBeNull();
  });
  it('rejects what is no quantity', () => {
    expect(cpuRule('two')).toBe("'two' is not a Kubernetes quantity (examples: 2, 500m, 4Gi)");
  });
  it('rejects zero and negatives', () => {
    expect(cpuRule('0')).toBe('must be more than 0 (examples: 2, 500m)');
    expect(cpuRule('-1')).toBe('must be more than 0 (examples: 2, 500m)');
  });
  it('rejects less than 1m', () => {
    expect(cpuRule('0.0001')).toBe('0.0001 is less than the smallest CPU request, 1m');
    expect(cpuRule('100u')).toBe('100u is less than the smallest CPU request, 1m');
  });
  it('rejects more than the maximum, compared exactly', () => {
    expect(cpuRule('17', '16')).toBe('17 exceeds the maximum of 16');
    expect(cpuRule('16001m', '16')).toBe('16001m exceeds the maximum of 16');
    expect(cpuRule('16000m', '16')).toBeNull();
  });
  it('has no maximum when the limits are unknown', () => {
    expect(cpuRule('1000')).toBeNull();
  });
});

describe('memory', () => {
  it('accepts valid sizes', () => {
    expect(memoryRule('512Mi', '128Gi')).toBeNull();
    expect(memoryRule('16Mi')).toBeNull();
    expect(memoryRule('4G')).toBeNull();
  });
  it('rejects what is no quantity', () => {
    expect(memoryRule('4GB')).toBe("'4GB' is not a Kubernetes quantity (examples: 2, 500m, 4Gi)");
  });
  it('rejects zero', () => {
    expect(memoryRule('0')).toBe('must be more than 0 (examples: 512Mi, 4Gi)');
  });
  it('suggests a unit below 16Mi, with the bytes as the service writes them', () => {
    expect(memoryRule('4')).toBe('4 is 4 bytes, less than 16Mi; did you mean 4Mi or 4Gi?');
    expect(memoryRule('1k')).toBe('1k is 1000 bytes, less than 16Mi; did you mean 1kMi or 1kGi?');
    expect(memoryRule('15Mi')).toBe(
      '15Mi is 15728640 bytes, less than 16Mi; did you mean 15MiMi or 15MiGi?'
    );
  });
  it('rejects more than the maximum', () => {
    expect(memoryRule('129Gi', '128Gi')).toBe('129Gi exceeds the maximum of 128Gi');
    expect(memoryRule('128Gi', '128Gi')).toBeNull();
    expect(memoryRule('200G', '128Gi')).toBe('200G exceeds the maximum of 128Gi');
  });
});

describe('gpu', () => {
  it('accepts whole numbers up to the maximum', () => {
    expect(gpuRule('0', 2)).toBeNull();
    expect(gpuRule('2', 2)).toBeNull();
    expect(gpuRule('')).toBeNull();
  });
  it('rejects fractions and negatives', () => {
    expect(gpuRule('1.5')).toBe('GPUs are counted in whole numbers (0, 1, 2, ...), got 1.5');
    expect(gpuRule('-1')).toBe('GPUs are counted in whole numbers (0, 1, 2, ...), got -1');
    expect(gpuRule('500m')).toBe('GPUs are counted in whole numbers (0, 1, 2, ...), got 500m');
  });
  it('rejects more than the maximum', () => {
    expect(gpuRule('3', 2)).toBe('3 exceeds the maximum of 2');
    expect(gpuRule('1', 0)).toBe('1 exceeds the maximum of 0');
  });
  it('rejects what is no quantity', () => {
    expect(gpuRule('one')).toBe("'one' is not a Kubernetes quantity (examples: 2, 500m, 4Gi)");
  });
});

describe('environment variable names', () => {
  it.each(['API_TOKEN', '_x', 'a1', 'Z'])('accepts %p', name => {
    expect(envNameRule(name)).toBeNull();
  });
  it.each(['1A', 'A-B', 'A B', 'É', 'A.B', ''])('rejects %p by the pattern', name => {
    expect(envNameRule(name)).toBe(
      'environment variable names must match ^[A-Za-z_][A-Za-z0-9_]*$'
    );
  });
  it.each(PROTECTED_NAMES)('rejects the protected name %p', name => {
    expect(envNameRule(name)).toBe(`${name} is reserved for the executor and cannot be set`);
  });
  it.each(PROTECTED_PREFIXES.map(prefix => prefix + 'X'))(
    'rejects the protected prefix in %p',
    name => {
      expect(envNameRule(name)).toBe(`${name} is reserved for the executor and cannot be set`);
    }
  );
  it('leaves names that only look alike', () => {
    expect(envNameRule('MY_HOME')).toBeNull();
    expect(envNameRule('aws_key')).toBeNull();
    expect(envNameRule('PATHS')).toBeNull();
  });
});

describe('image', () => {
  it('accepts empty (the environment image)', () => {
    expect(imageRule('', '^.+:.+$', ['quay.io'])).toBeNull();
  });
  it('checks the pattern against the whole reference', () => {
    expect(imageRule('quay.io/jupyter/scipy-notebook:2025-01-01', '^.+:.+$', [])).toBeNull();
    expect(imageRule('quay.io/jupyter/scipy-notebook', '^.+:.+$', [])).toBe(
      "'quay.io/jupyter/scipy-notebook' does not match the allowed image pattern ^.+:.+$"
    );
    // an unanchored pattern still has to cover the whole reference
    expect(imageRule('evil/x:1', 'quay\\.io/.+', [])).toBe(
      "'evil/x:1' does not match the allowed image pattern quay\\.io/.+"
    );
  });
  it('leaves a pattern JavaScript cannot read to the service', () => {
    expect(imageRule('x:1', '(?<!a', [])).toBeNull();
  });
  it('checks the registry', () => {
    const registries = ['quay.io', 'registry.example.com:5000/team'];
    expect(imageRule('quay.io/jupyter/base:1', undefined, registries)).toBeNull();
    expect(imageRule('registry.example.com:5000/team/nb:1', undefined, registries)).toBeNull();
    expect(imageRule('registry.example.com:5000/other/nb:1', undefined, registries)).toBe(
      "'registry.example.com:5000/other/nb:1' is not from an allowed registry (quay.io, registry.example.com:5000/team)"
    );
    expect(imageRule('quay.io.evil.com/x:1', undefined, ['quay.io'])).toBe(
      "'quay.io.evil.com/x:1' is not from an allowed registry (quay.io)"
    );
    expect(imageRule('jupyter/base-notebook:1', undefined, ['docker.io'])).toBeNull();
    expect(imageRule('jupyter/base-notebook:1', undefined, ['quay.io'])).toBe(
      "'jupyter/base-notebook:1' is not from an allowed registry (quay.io)"
    );
  });
  it('reads the registry as container runtimes do', () => {
    expect(imageRegistry('python:3.11')).toBe('docker.io');
    expect(imageRegistry('jupyter/base:1')).toBe('docker.io');
    expect(imageRegistry('localhost/x:1')).toBe('localhost');
    expect(imageRegistry('localhost:5000/x:1')).toBe('localhost:5000');
    expect(imageRegistry('ghcr.io/org/x:1')).toBe('ghcr.io');
  });
});

describe('maximum run time', () => {
  it('converts units to whole seconds, exactly', () => {
    expect(timeoutRule('90', 'minutes', 604800)).toBeNull();
    expect(timeoutRule('0.1', 'minutes')).toBeNull(); // 6 s, not 6.000000000000001
    expect(timeoutRule('1.5', 'hours')).toBeNull();
    expect(timeoutRule('7', 'days', 604800)).toBeNull();
  });
  it('rejects what is no number', () => {
    expect(timeoutRule('soon', 'hours')).toBe("'soon' is not a number");
    expect(timeoutRule('1h', 'hours')).toBe("'1h' is not a number");
  });
  it('rejects fractions of a second', () => {
    expect(timeoutRule('1.5', 'seconds')).toBe(
      'must be a whole number of seconds (1.5 seconds is not)'
    );
    expect(timeoutRule('0.001', 'minutes')).toBe(
      'must be a whole number of seconds (0.001 minutes is not)'
    );
  });
  it('rejects zero and negatives', () => {
    expect(timeoutRule('0', 'hours')).toBe('must be a positive number of seconds');
    expect(timeoutRule('-1', 'hours')).toBe('must be a positive number of seconds');
  });
  it('rejects more than the maximum', () => {
    expect(timeoutRule('8', 'days', 604800)).toBe(
      '691200 seconds exceeds the maximum of 604800 (7 days)'
    );
    expect(timeoutRule('604801', 'seconds', 604800)).toBe(
      '604801 seconds exceeds the maximum of 604800 (7 days)'
    );
  });
});

describe('retries', () => {
  it('accepts 0..max', () => {
    expect(retriesRule('0', 3)).toBeNull();
    expect(retriesRule('3', 3)).toBeNull();
    expect(retriesRule('')).toBeNull();
  });
  it('rejects out of range', () => {
    expect(retriesRule('4', 3)).toBe('must be between 0 and 3');
    expect(retriesRule('-1', 3)).toBe('must be between 0 and 3');
    expect(retriesRule('-1')).toBe('must be 0 or more');
    expect(retriesRule('99')).toBeNull();
  });
  it('rejects what is no whole number', () => {
    expect(retriesRule('1.5', 3)).toBe("'1.5' is not a whole number");
    expect(retriesRule('two', 3)).toBe("'two' is not a whole number");
  });
});

describe('tags and idempotency token', () => {
  it('wants 1 to 256 characters per tag', () => {
    expect(tagRule('nightly')).toBeNull();
    expect(tagRule('')).toBe('each tag must be 1 to 256 characters');
    expect(tagRule('   ')).toBe('each tag must be 1 to 256 characters');
    expect(tagRule('x'.repeat(257))).toBe('each tag must be 1 to 256 characters');
  });
  it('wants at most 256 characters of token', () => {
    expect(idempotencyTokenRule(undefined)).toBeNull();
    expect(idempotencyTokenRule('abc')).toBeNull();
    expect(idempotencyTokenRule('x'.repeat(257))).toBe('must be 1 to 256 characters');
  });
});

describe('validateForm', () => {
  const empty: IFormState = {
    profile: '',
    cpu: '',
    memory: '',
    gpu: '',
    image: '',
    env: [],
    timeout: '',
    timeoutUnit: 'hours',
    retries: '',
    notify: readFormState(undefined).notify
  };
  const limited: IFieldPolicy = resolvePolicy(
    {
      status: 'loaded',
      response: parseProfilesResponse({
        profiles: [],
        limits: { max_cpu: '4', max_memory: '8Gi', max_gpu: 1, max_timeout_seconds: 3600, max_retries: 2 }
      })
    },
    undefined
  );

  it('has no errors for an empty form', () => {
    expect(validateForm(empty, limited, { createType: 'Job' })).toEqual({});
  });

  it('keys each error by field and names the field in the message', () => {
    const errors = validateForm(
      {
        ...empty,
        cpu: '5',
        memory: '9Gi',
        gpu: '2',
        env: [
          { name: 'OK', value: '1' },
          { name: 'HOME', value: 'x' },
          { name: '', value: 'orphan' },
          { name: 'OK', value: '2' },
          { name: '', value: '' }
        ],
        timeout: '2',
        retries: '3'
      },
      limited,
      { createType: 'Job', tags: ['a', ''], idempotencyToken: 'x'.repeat(300) }
    );
    expect(errors).toEqual({
      cpu: 'CPU: 5 exceeds the maximum of 4',
      memory: 'Memory: 9Gi exceeds the maximum of 8Gi',
      gpu: 'GPUs: 2 exceeds the maximum of 1',
      'env-1-name': 'Environment variable 2: HOME is reserved for the executor and cannot be set',
      'env-2-name': 'Environment variable 3: a name is required',
      'env-3-name': 'Environment variable 4: OK is already set by variable 1',
      timeout_seconds:
        'Maximum run time: 7200 seconds exceeds the maximum of 3600 (1 hour)',
      max_retries: 'Retries: must be between 0 and 2',
      'tag-1': 'Tag 2: each tag must be 1 to 256 characters',
      idempotencyToken: 'Idempotency token: must be 1 to 256 characters'
    });
  });

  it('does not check the token of a job definition (it sends none)', () => {
    expect(
      validateForm(empty, limited, { createType: 'JobDefinition', idempotencyToken: 'x'.repeat(300) })
    ).toEqual({});
  });

  it('limits the number of tags', () => {
    const tags = Array.from({ length: 51 }, (_, i) => `t${i}`);
    expect(validateForm(empty, limited, { createType: 'Job', tags })).toEqual({
      tags: 'Tags: at most 50 tags'
    });
  });

  it('does not check read-only fields of a fixed profile', () => {
    const fixed = resolvePolicy(
      {
        status: 'loaded',
        response: parseProfilesResponse({
          profiles: [{ name: 'big', cpu: '64', memory: '1Ti', gpu: 8 }],
          limits: { max_cpu: '4', max_memory: '8Gi', max_gpu: 1 }
        })
      },
      'big'
    );
    expect(
      validateForm({ ...empty, cpu: '64', memory: '1Ti', gpu: '8' }, fixed, { createType: 'Job' })
    ).toEqual({});
  });

  it('checks the image only where the user may type one', () => {
    const custom = resolvePolicy(
      {
        status: 'loaded',
        response: parseProfilesResponse({
          profiles: [{ name: 'custom', custom: true }],
          limits: { custom_image: true, image_pattern: '^.+:.+$', allowed_registries: ['quay.io'] }
        })
      },
      'custom'
    );
    expect(validateForm({ ...empty, image: 'ghcr.io/x:1' }, custom, { createType: 'Job' })).toEqual({
      image: "Image: 'ghcr.io/x:1' is not from an allowed registry (quay.io)"
    });
    expect(validateForm({ ...empty, image: 'quay.io/x' }, custom, { createType: 'Job' })).toEqual({
      image: "Image: 'quay.io/x' does not match the allowed image pattern ^.+:.+$"
    });
  });
});
