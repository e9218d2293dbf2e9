import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema of cairn.yaml for editors (what a user writes: defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://cairn.invalid/cairn.schema.json',
    title: 'Cairn daemon configuration (cairn.yaml)',
  };
}
