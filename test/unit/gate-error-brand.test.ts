// The gate is two bundles (dist/gate.cjs, and dist/gate-zoneset.cjs for zone-set uploads), each with
// its own copy of shared/errors.ts. A second copy of the module stands in for the second bundle here:
// its classes are not the first copy's, yet its errors must be recognised as GateErrors with their own
// exit code, or a zone-set refusal would reach the client as an internal error (exit 70).
import { describe, expect, it } from 'vitest';
import { ConfigError, GateError, ZoneSetError, isConfigError, isGateError } from '../../src/shared/errors.js';

// A query string makes vite load the module again: a separate module instance, separate classes.
const SECOND_COPY = '../../src/shared/errors.js?second-bundle';
const copy = (await import(SECOND_COPY)) as typeof import('../../src/shared/errors.js');

describe('isGateError across two copies of the error classes', () => {
  it('the copy really has other classes (so the checks below can fail)', () => {
    expect(copy.GateError).not.toBe(GateError);
    expect(new copy.ZoneSetError('zoneset-held', 'held') instanceof GateError).toBe(false);
  });

  it.each<[string, unknown, number, string]>([
    ['a zone-set refusal', new copy.ZoneSetError('zoneset-held', 'zone set x is held'), 92, 'zoneset-held'],
    ['a zone-set refusal (first copy)', new ZoneSetError('zone-not-allowed', 'no'), 90, 'zone-not-allowed'],
    ['a config error', new copy.ConfigError('config-invalid', 'bad'), 78, 'config-invalid'],
    ['a denial', new copy.DeniedError('path-outside', 'no'), 77, 'path-outside'],
  ])('%s is a GateError by brand, with its own exit code and reason', (_name, error, exitCode, reason) => {
    expect(isGateError(error)).toBe(true);
    expect(copy.isGateError(error)).toBe(true);
    if (!isGateError(error)) return;
    expect(error.exitCode).toBe(exitCode);
    expect(error.reason).toBe(reason);
  });

  it('only config errors are config errors, from either copy', () => {
    expect(isConfigError(new copy.ConfigError('config-invalid', 'bad'))).toBe(true);
    expect(isConfigError(new ConfigError('config-invalid', 'bad'))).toBe(true);
    expect(isConfigError(new copy.ZoneSetError('zoneset-held', 'held'))).toBe(false);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['an Error that copies the fields', Object.assign(new Error('x'), { exitCode: 77, reason: 'denied', details: {} })],
    ['a string brand lookalike', { 'zonegate.GateError': true, exitCode: 77 }],
    ['null', null],
    ['a string', 'zonegate.GateError'],
    // attack: text from the other side (a JSON record, a zone file's words) parsed into an object
    // that would pass for a refusal with an exit code of its choosing. JSON has no symbol keys.
    ['a GateError sent through JSON', JSON.parse(JSON.stringify(new ZoneSetError('zoneset-held', 'held'))) as unknown],
    ['JSON naming the brand', JSON.parse('{"Symbol(zonegate.GateError)":true,"zonegate.GateError":true,"exitCode":0}') as unknown],
    ['a structured clone of a GateError', structuredClone(new copy.DeniedError('path-outside', 'no'))],
  ])('%s is not a GateError (an internal error, exit 70)', (_name, value) => {
    expect(isGateError(value)).toBe(false);
    expect(isConfigError(value)).toBe(false);
  });
});
