import React from 'react';

import { FormLabel, Stack } from '@mui/material';

import { Parameters } from '../formState';
import { MASK, summarizeParameters } from '../summary';
import { LABELS } from '../validation';

export interface IReadOnlyOptionsProps {
  /** 'job' shows the idempotency token too; definitions have none. */
  kind: 'job' | 'job-definition';
  parameters?: Parameters;
  idempotencyToken?: string;
  tags?: string[];
  /** Shown as an "Open log" button when given (the job detail view). */
  onOpenLog?: () => void;
}

/** A label over a value, styled like the stock detail views (their CSS classes). */
function Labeled(props: {
  label: string;
  testId: string;
  value?: React.ReactNode;
}): JSX.Element {
  return (
    <div className="nbj-Labeled" data-testid={props.testId}>
      <span className="jp-jobs-LabeledValue-label nbj-Labeled-label">{props.label}</span>
      <span className="jp-jobs-LabeledValue-value nbj-Labeled-value">
        {props.value === undefined || props.value === '' ? '\u2014' : props.value}
      </span>
    </div>
  );
}

/** The same fields, read-only, for the job and job-definition detail views. */
export function ReadOnlyOptions(props: IReadOnlyOptionsProps): JSX.Element {
  const summary = summarizeParameters(props.parameters);
  const tags = props.tags ?? [];
  return (
    <Stack
      spacing={3}
      className="nbj-AdvancedOptions nbj-AdvancedOptions-readonly"
      data-testid="nbj-advanced-options"
      data-view={props.kind}
    >
      {props.onOpenLog && (
        <div className="nbj-Row">
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept"
            data-testid="nbj-open-log"
            onClick={props.onOpenLog}
          >
            Open log
          </button>
          <p className="nbj-Note">The notebook&apos;s log: live while it runs, the saved copy after.</p>
        </div>
      )}
      <Labeled label={LABELS.profile} testId="nbj-ro-profile" value={summary.profile} />
      <Labeled label={LABELS.cpu} testId="nbj-ro-cpu" value={summary.cpu} />
      <Labeled label={LABELS.memory} testId="nbj-ro-memory" value={summary.memory} />
      <Labeled label={LABELS.gpu} testId="nbj-ro-gpu" value={summary.gpu} />
      <Labeled label={LABELS.image} testId="nbj-ro-image" value={summary.image} />
      <div className="nbj-Labeled" data-testid="nbj-ro-env">
        <span className="jp-jobs-LabeledValue-label nbj-Labeled-label">
          Environment variables
        </span>
        {summary.envNames.length === 0 ? (
          <span className="jp-jobs-LabeledValue-value nbj-Labeled-value">{'\u2014'}</span>
        ) : (
          <ul className="nbj-EnvSummary">
            {summary.envNames.map(name => (
              <li key={name} data-testid={`nbj-ro-env-${name}`}>
                <code>{name}</code> = <span className="nbj-Masked">{MASK}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <Labeled label={LABELS.timeout} testId="nbj-ro-timeout" value={summary.timeout} />
      <Labeled label={LABELS.retries} testId="nbj-ro-retries" value={summary.retries} />
      {summary.notify.map(([label, value], index) => (
        <Labeled key={label} label={label} testId={`nbj-ro-notify-${index}`} value={value} />
      ))}
      {summary.other.length > 0 && (
        <div className="nbj-Labeled" data-testid="nbj-ro-other">
          <span className="jp-jobs-LabeledValue-label nbj-Labeled-label">
            Other runtime parameters
          </span>
          <ul className="nbj-EnvSummary">
            {summary.other.map(([key, value]) => (
              <li key={key}>
                <code>{key}</code> = {value}
              </li>
            ))}
          </ul>
        </div>
      )}
      {props.kind === 'job' && (
        <Labeled
          label={LABELS.idempotencyToken}
          testId="nbj-ro-idempotency-token"
          value={props.idempotencyToken}
        />
      )}
      <FormLabel component="legend">{LABELS.tags}</FormLabel>
      {tags.length === 0 ? (
        <p className="nbj-Note" data-testid="nbj-ro-tags">
          <em>No tags</em>
        </p>
      ) : (
        <Stack spacing={2} data-testid="nbj-ro-tags">
          {tags.map((tag, index) => (
            <Labeled
              key={index}
              label={`Tag ${index + 1}`}
              testId={`nbj-ro-tag-${index}`}
              value={tag}
            />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
