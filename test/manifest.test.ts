import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GlobalShortcut, MessageShortcut, WorkflowStep } from '../src/slack/ids.js';

const schema = JSON.parse(
  readFileSync(
    new URL('./fixtures/slack-manifest-schema/manifest.schema.1.0.0.json', import.meta.url),
    'utf8',
  ),
);
const manifestText = readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8');

// Slack's schema carries notes (`_note`, `regex`) Ajv's strict mode would refuse; `format: uri` is unused here.
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

interface Manifest {
  features: { shortcuts: { type: string; callback_id: string; name: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { org_deploy_enabled: boolean };
  functions: Record<
    string,
    { input_parameters: Record<string, unknown>; output_parameters: Record<string, unknown> }
  >;
}

const manifest = (): Manifest => parse(manifestText);

describe('manifest.yml', () => {
  it("validates against Slack's published manifest schema", () => {
    const valid = validate(manifest());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is refused by the schema when broken (the check can fail)', () => {
    const broken = manifest();
    broken.features.shortcuts[0]!.name = 'A shortcut name far longer than Slack allows';
    expect(validate(broken)).toBe(false);
    const extra = { ...manifest(), unknown_section: true };
    expect(validate(extra)).toBe(false);
  });

  it('declares the shortcuts and the step with the ids the code answers to', () => {
    const m = manifest();
    expect(m.features.shortcuts.map((s) => [s.type, s.callback_id])).toEqual([
      ['message', MessageShortcut.callbackId],
      ['global', GlobalShortcut.callbackId],
    ]);
    const step = m.functions[WorkflowStep.callbackId]!;
    expect(Object.keys(step.input_parameters).sort()).toEqual(Object.values(WorkflowStep.inputs).sort());
    expect(Object.keys(step.output_parameters).sort()).toEqual(Object.values(WorkflowStep.outputs).sort());
    // Custom steps need an org-ready app; users.info with include_locale needs users:read.
    expect(m.settings.org_deploy_enabled).toBe(true);
    expect(m.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'users:read']));
    // The outbox looks for its own earlier posts in public and private channels' history.
    expect(m.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['channels:history', 'groups:history']));
  });
});
