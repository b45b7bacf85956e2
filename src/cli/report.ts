export function run(_r: string[], _o: unknown): Promise<void> { throw new Error('todo'); }
