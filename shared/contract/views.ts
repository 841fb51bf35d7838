import { z } from 'zod';
import { method, topic } from './define';

/** A saved comparison: columns, filters, sort, grouping, selection, pins, colors, chart settings — opaque to the engine. */
export const viewState = z.record(z.string(), z.unknown()).refine((v) => JSON.stringify(v).length <= 256 * 1024, 'view state is larger than 256 KB');

export const savedView = z.object({
  id: z.string(),
  experimentId: z.string(),
  name: z.string(),
  state: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SavedView = z.infer<typeof savedView>;

const experimentId = z.string().regex(/^\d{1,18}$/, 'not an experiment id');

export const viewsMethods = {
  list: method('Saved views of an experiment (newest first).', z.object({ experimentId }).strict(), z.array(savedView), 'viewer'),
  save: method(
    'Create or overwrite (same name) a saved view.',
    z.object({ experimentId, name: z.string().trim().min(1).max(200), state: viewState }).strict(),
    savedView,
    'member',
  ),
  delete: method('Delete a saved view.', z.object({ id: z.string().uuid() }).strict(), z.object({ deleted: z.boolean() }), 'member'),
};

export const viewsTopics = {
  'views.changed': topic('Saved views of an experiment changed.', z.object({ experimentId: z.string() })),
};
