import { z } from 'zod';
import { method, topic } from './define';

export const appInfo = z.object({
  name: z.literal('mldesk'),
  version: z.string(),
  host: z.enum(['electron', 'web']),
  /** Absolute data dir: shown to the owner only (a team server does not reveal its file system). */
  dataDir: z.string(),
  schemaVersion: z.number().int(),
  trackingUri: z.string().nullable(),
  platform: z.string(),
});
export type AppInfo = z.infer<typeof appInfo>;

export const appMethods = {
  info: method('Engine version, host kind, data dir and tracking URI.', z.object({}).strict().default({}), appInfo, 'viewer'),
  ping: method('Round-trip check; echoes a value.', z.object({ value: z.string().max(1000) }).strict(), z.object({ value: z.string(), at: z.number() }), 'viewer'),
};

export const appTopics = {
  'app.notice': topic('A message for the user (shown as a toast).', z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string() })),
};
