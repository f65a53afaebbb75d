import React, { ChangeEvent, useEffect, useMemo, useRef, useState } from 'react';

import { FormLabel, IconButton, Stack, TextField } from '@mui/material';
import { addIcon, closeIcon } from '@jupyterlab/ui-components';
import type { ICreateJobModel, Scheduler } from '@jupyterlab/scheduler';

import { describeSeconds, TIME_UNITS, TimeUnit } from '../duration';
import {
  applyProfile,
  IFormState,
  keepEditsForProfile,
  parametersKey,
  readFormState,
  writeParameters
} from '../formState';
import {
  NO_NOTIFICATIONS,
  NOTIFY_EVENTS,
  NotifyKey,
  notifyLabel
} from '../notify';
import { IFieldPolicy, resolvePolicy, ResourceField } from '../policy';
import { profileHelp, ProfilesState } from '../profiles';
import { ErrorKeys, Errors, LABELS, validateForm } from '../validation';

export interface ICreateOptionsProps {
  model: ICreateJobModel;
  handleModelChange: (model: ICreateJobModel) => void;
  errors: Scheduler.ErrorsType;
  handleErrorsChange: (errors: Scheduler.ErrorsType) => void;
  loadProfiles: () => Promise<ProfilesState>;
}

/** The stock panel's ids for these two fields, kept so that anything that finds them still does. */
const STOCK_PREFIX = 'jp-create-job-advanced-';

function errorsKey(errors: Errors): string {
  return JSON.stringify(
    Object.keys(errors)
      .filter(key => !!errors[key])
      .sort()
      .map(key => [key, errors[key]])
  );
}

function testId(id: string): { [key: string]: string } {
  return { 'data-testid': id };
}

const RESOURCE_HELP: { [field in ResourceField]: string } = {
  cpu: 'cores, e.g. 2 or 500m',
  memory: 'e.g. 512Mi or 4Gi',
  gpu: 'a whole number'
};

function resourceHelp(field: ResourceField, policy: IFieldPolicy): string {
  const rule = policy.resources[field];
  if (!rule.editable) {
    return `Set by the ${policy.profile?.displayName ?? ''} profile`;
  }
  const limits = policy.limits;
  const max =
    field === 'cpu'
      ? limits?.maxCpu
      : field === 'memory'
        ? limits?.maxMemory
        : limits?.maxGpu?.toString();
  const parts = [RESOURCE_HELP[field]];
  if (max !== undefined) {
    parts.push(`at most ${max}`);
  }
  if (rule.preset !== undefined && policy.profile && !policy.profile.custom) {
    parts.push(`profile value ${rule.preset}`);
  }
  if (rule.preset === undefined && policy.profile === undefined) {
    parts.push('empty for the default');
  }
  return parts.join('; ');
}

/** The editable panel of the create form. */
export function CreateOptions(props: ICreateOptionsProps): JSX.Element {
  const { model, handleModelChange, errors, handleErrorsChange, loadProfiles } =
    props;

  // What the model held when the panel mounted: a remounted panel keeps its values.
  const initialProfile = useRef(model.runtimeEnvironmentParameters?.profile);
  const [form, setForm] = useState<IFormState>(() =>
    readFormState(model.runtimeEnvironmentParameters)
  );
  const [profiles, setProfiles] = useState<ProfilesState>({ status: 'loading' });
  const [tokenText, setTokenText] = useState<string>(model.idempotencyToken ?? '');

  useEffect(() => {
    let live = true;
    const loaded = (state: ProfilesState): void => {
      if (!live) {
        return;
      }
      setProfiles(state);
      setForm(current => {
        const policy = resolvePolicy(state, current.profile || undefined);
        const remounted =
          policy.profile !== undefined &&
          String(initialProfile.current ?? '') === policy.profile.name;
        return remounted
          ? keepEditsForProfile(current, policy)
          : applyProfile(current, policy);
      });
    };
    loadProfiles()
      .then(loaded)
      .catch((e: unknown) => loaded({ status: 'failed', message: String(e) }));
    return () => {
      live = false;
    };
  }, []);

  const policy = useMemo(
    () => resolvePolicy(profiles, form.profile || undefined),
    [profiles, form.profile]
  );
  const params = writeParameters(model.runtimeEnvironmentParameters, form, policy);
  const notifications =
    profiles.status === 'loaded' ? profiles.response.notifications : NO_NOTIFICATIONS;
  const formErrors = validateForm(form, policy, model, notifications);

  // The parent's model is the only thing sent on Create, so keep ours in it. This runs
  // after every render on purpose: the stock form writes models from closures taken
  // earlier (e.g. once its environment list arrives), which can drop our parameters;
  // the comparison makes it a no-op once the model holds them.
  useEffect(() => {
    if (parametersKey(params) !== parametersKey(model.runtimeEnvironmentParameters)) {
      handleModelChange({ ...model, runtimeEnvironmentParameters: params });
    }
  });
  useEffect(() => {
    if (errorsKey(formErrors) !== errorsKey(errors)) {
      handleErrorsChange(formErrors);
    }
  });

  const update = (change: Partial<IFormState>): void =>
    setForm(current => ({ ...current, ...change }));

  const chooseProfile = (name: string): void =>
    setForm(current => applyProfile(current, resolvePolicy(profiles, name)));

  const setEnvRow = (index: number, change: { name?: string; value?: string }): void =>
    setForm(current => ({
      ...current,
      env: current.env.map((row, i) => (i === index ? { ...row, ...change } : row))
    }));

  const tags = model.tags ?? [];
  const setTags = (next: string[]): void => handleModelChange({ ...model, tags: next });

  const resourceField = (field: ResourceField, label: string): JSX.Element => {
    const rule = policy.resources[field];
    const message = formErrors[ErrorKeys[field]];
    return (
      <TextField
        key={field}
        label={label}
        variant="outlined"
        id={`nbj-${field}`}
        name={field}
        className={rule.editable ? 'nbj-Field' : 'nbj-Field nbj-Field-readonly'}
        value={form[field]}
        placeholder={rule.editable ? 'default' : ''}
        onChange={(e: ChangeEvent<HTMLInputElement>) =>
          update({ [field]: e.target.value } as Partial<IFormState>)
        }
        error={!!message}
        helperText={message ?? resourceHelp(field, policy)}
        InputProps={{ readOnly: !rule.editable }}
        inputProps={{
          ...testId(`nbj-${field}`),
          inputMode: field === 'gpu' ? 'numeric' : 'text',
          'aria-readonly': !rule.editable
        }}
      />
    );
  };

  const imageField = (): JSX.Element | null => {
    const rule = policy.image;
    const message = formErrors[ErrorKeys.image];
    if (rule.kind === 'select') {
      return (
        <TextField
          select
          label={LABELS.image}
          id="nbj-image"
          name="image"
          className="nbj-Field"
          value={form.image}
          onChange={e => update({ image: e.target.value })}
          SelectProps={{ native: true }}
          inputProps={testId('nbj-image')}
          helperText="Images this profile allows"
        >
          {rule.options.map(image => (
            <option key={image} value={image}>
              {image}
            </option>
          ))}
        </TextField>
      );
    }
    if (rule.kind === 'free') {
      const hints: string[] = [];
      if (rule.pattern) {
        hints.push(`must match ${rule.pattern}`);
      }
      if (rule.registries.length > 0) {
        hints.push(`from ${rule.registries.join(', ')}`);
      }
      return (
        <>
          <TextField
            label={LABELS.image}
            variant="outlined"
            id="nbj-image"
            name="image"
            className="nbj-Field"
            value={form.image}
            placeholder="the environment's image"
            onChange={e => update({ image: e.target.value })}
            error={!!message}
            helperText={
              message ?? `Container image; empty for the default${hints.length ? '; ' + hints.join('; ') : ''}`
            }
            inputProps={{ ...testId('nbj-image'), list: 'nbj-image-suggestions' }}
          />
          {rule.suggestions.length > 0 && (
            <datalist id="nbj-image-suggestions">
              {rule.suggestions.map(image => (
                <option key={image} value={image} />
              ))}
            </datalist>
          )}
        </>
      );
    }
    if (rule.image) {
      return (
        <p className="nbj-Note" data-testid="nbj-image-fixed">
          {LABELS.image}: <code>{rule.image}</code> (set by the profile)
        </p>
      );
    }
    return null;
  };

  const resources = (): JSX.Element => {
    if (policy.loading) {
      return (
        <p className="nbj-Note" data-testid="nbj-profiles-loading">
          Loading resource profiles…
        </p>
      );
    }
    return (
      <>
        {policy.note && (
          <p className="nbj-Note nbj-Note-warning" data-testid="nbj-profiles-note">
            {policy.note}
          </p>
        )}
        {policy.profiles.length > 0 && (
          <TextField
            select
            label={LABELS.profile}
            id="nbj-profile"
            name="profile"
            className="nbj-Field"
            value={form.profile}
            onChange={e => chooseProfile(e.target.value)}
            SelectProps={{ native: true }}
            inputProps={testId('nbj-profile')}
            helperText={profileHelp(policy.profile)}
          >
            {policy.profiles.map(p => (
              <option key={p.name} value={p.name}>
                {p.displayName}
              </option>
            ))}
          </TextField>
        )}
        {resourceField('cpu', LABELS.cpu)}
        {resourceField('memory', LABELS.memory)}
        {resourceField('gpu', LABELS.gpu)}
        {imageField()}
      </>
    );
  };

  const envRows = (): JSX.Element => (
    <Stack spacing={2} className="nbj-EnvList" data-testid="nbj-env">
      <FormLabel component="legend">Environment variables</FormLabel>
      {form.env.map((row, index) => {
        const message = formErrors[ErrorKeys.envName(index)];
        return (
          <div className="nbj-Row" key={index} data-testid={`nbj-env-row-${index}`}>
            <TextField
              label={`Variable ${index + 1} name`}
              variant="outlined"
              id={`nbj-env-name-${index}`}
              name={`env-${index}-name`}
              value={row.name}
              onChange={e => setEnvRow(index, { name: e.target.value })}
              error={!!message}
              helperText={message ?? ''}
              inputProps={{ ...testId(`nbj-env-name-${index}`), spellCheck: false }}
            />
            <TextField
              label={`Variable ${index + 1} value`}
              variant="outlined"
              type="password"
              autoComplete="new-password"
              id={`nbj-env-value-${index}`}
              name={`env-${index}-value`}
              value={row.value}
              onChange={e => setEnvRow(index, { value: e.target.value })}
              inputProps={testId(`nbj-env-value-${index}`)}
            />
            <IconButton
              aria-label={`Remove environment variable ${index + 1}`}
              title={`Remove environment variable ${index + 1}`}
              data-testid={`nbj-env-remove-${index}`}
              onClick={() =>
                setForm(current => ({
                  ...current,
                  env: current.env.filter((_, i) => i !== index)
                }))
              }
            >
              <closeIcon.react />
            </IconButton>
          </div>
        );
      })}
      <div className="nbj-Row">
        <IconButton
          aria-label="Add environment variable"
          title="Add environment variable"
          data-testid="nbj-env-add"
          onClick={() =>
            setForm(current => ({
              ...current,
              env: [...current.env, { name: '', value: '' }]
            }))
          }
        >
          <addIcon.react />
        </IconButton>
      </div>
    </Stack>
  );

  const maxSeconds = policy.limits?.maxTimeoutSeconds;
  const maxRetries = policy.limits?.maxRetries;
  const limitsFields = (): JSX.Element => (
    <>
      <div className="nbj-Row">
        <TextField
          label={LABELS.timeout}
          variant="outlined"
          id="nbj-timeout"
          name="timeout"
          className="nbj-Field"
          value={form.timeout}
          placeholder="default"
          onChange={e => update({ timeout: e.target.value })}
          error={!!formErrors[ErrorKeys.timeout]}
          helperText={
            formErrors[ErrorKeys.timeout] ??
            (maxSeconds === undefined
              ? 'Empty for the default'
              : `Empty for the default; at most ${describeSeconds(maxSeconds)}`)
          }
          inputProps={{ ...testId('nbj-timeout'), inputMode: 'decimal' }}
        />
        <TextField
          select
          label="Unit"
          id="nbj-timeout-unit"
          name="timeoutUnit"
          value={form.timeoutUnit}
          onChange={e => update({ timeoutUnit: e.target.value as TimeUnit })}
          SelectProps={{ native: true }}
          inputProps={testId('nbj-timeout-unit')}
        >
          {TIME_UNITS.map(unit => (
            <option key={unit} value={unit}>
              {unit}
            </option>
          ))}
        </TextField>
      </div>
      <TextField
        label={LABELS.retries}
        variant="outlined"
        id="nbj-retries"
        name="retries"
        className="nbj-Field"
        value={form.retries}
        placeholder="0"
        onChange={e => update({ retries: e.target.value })}
        error={!!formErrors[ErrorKeys.retries]}
        helperText={
          formErrors[ErrorKeys.retries] ??
          (maxRetries === undefined
            ? 'Runs again after a failure this many times'
            : `Runs again after a failure this many times; at most ${maxRetries}`)
        }
        inputProps={{ ...testId('nbj-retries'), inputMode: 'numeric' }}
      />
    </>
  );

  const notifyField = (key: NotifyKey, help: string): JSX.Element => {
    const id = `nbj-notify-${key.replace('.', '-')}`;
    const message = formErrors[ErrorKeys.notify(key)];
    return (
      <TextField
        key={key}
        label={notifyLabel(key)}
        variant="outlined"
        id={id}
        name={key}
        className="nbj-Field"
        value={form.notify[key]}
        onChange={e => setForm(current => ({ ...current, notify: { ...current.notify, [key]: e.target.value } }))}
        error={!!message}
        helperText={message ?? help}
        inputProps={testId(id)}
      />
    );
  };

  // Only what the service can send; a field already filled (an edited copy) stays visible.
  const notifyFields = (): JSX.Element | null => {
    const filled = (channel: string): boolean =>
      NOTIFY_EVENTS.some(event => form.notify[`${channel}.${event}` as NotifyKey].trim() !== '');
    const email = notifications.email || filled('email');
    const webhooks = notifications.webhooks.length > 0 || filled('webhook');
    if (!email && !webhooks) {
      return null;
    }
    const webhookHelp =
      notifications.webhooks.length > 0
        ? `Names, comma-separated: ${notifications.webhooks.join(', ')}`
        : 'This service has no webhooks configured';
    return (
      <Stack spacing={2} data-testid="nbj-notify">
        <FormLabel component="legend">Notifications</FormLabel>
        {email &&
          NOTIFY_EVENTS.map(event =>
            notifyField(`email.${event}` as NotifyKey, 'Addresses, comma-separated')
          )}
        {webhooks &&
          NOTIFY_EVENTS.map(event => notifyField(`webhook.${event}` as NotifyKey, webhookHelp))}
      </Stack>
    );
  };

  const tagFields = (): JSX.Element => (
    <Stack spacing={2} data-testid="nbj-tags">
      <FormLabel component="legend">{LABELS.tags}</FormLabel>
      {formErrors[ErrorKeys.tags] && (
        <p className="nbj-Note nbj-Note-error">{formErrors[ErrorKeys.tags]}</p>
      )}
      {tags.map((tag, index) => (
        <div className="nbj-Row" key={index}>
          <TextField
            label={`Tag ${index + 1}`}
            variant="outlined"
            id={`${STOCK_PREFIX}tag-${index}`}
            name={`tag-${index}`}
            value={tag}
            onChange={e => setTags(tags.map((t, i) => (i === index ? e.target.value : t)))}
            error={!!formErrors[ErrorKeys.tag(index)]}
            helperText={formErrors[ErrorKeys.tag(index)] ?? ''}
            inputProps={testId(`nbj-tag-${index}`)}
          />
          <IconButton
            aria-label={`Delete tag ${index + 1}`}
            title={`Delete tag ${index + 1}`}
            data-testid={`nbj-tag-remove-${index}`}
            onClick={() => setTags(tags.filter((_, i) => i !== index))}
          >
            <closeIcon.react />
          </IconButton>
        </div>
      ))}
      <div className="nbj-Row">
        <IconButton
          aria-label="Add new tag"
          title="Add new tag"
          data-testid="nbj-tag-add"
          onClick={() => setTags([...tags, ''])}
        >
          <addIcon.react />
        </IconButton>
      </div>
    </Stack>
  );

  return (
    <Stack
      spacing={4}
      className="nbj-AdvancedOptions"
      data-testid="nbj-advanced-options"
      data-view="create"
    >
      {resources()}
      {envRows()}
      {limitsFields()}
      {notifyFields()}
      {model.createType === 'Job' && (
        <TextField
          label={LABELS.idempotencyToken}
          variant="outlined"
          id={`${STOCK_PREFIX}idempotencyToken`}
          name="idempotencyToken"
          value={tokenText}
          onChange={e => {
            const text = e.target.value;
            setTokenText(text);
            // An empty token is "none": leave it out rather than sending "".
            handleModelChange({
              ...model,
              idempotencyToken: text.trim() === '' ? undefined : text
            });
          }}
          error={!!formErrors[ErrorKeys.idempotencyToken]}
          helperText={formErrors[ErrorKeys.idempotencyToken] ?? ''}
          inputProps={testId('nbj-idempotency-token')}
        />
      )}
      {tagFields()}
    </Stack>
  );
}
