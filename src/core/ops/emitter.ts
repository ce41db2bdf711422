/** Fans one operation's events out to every sink (CLI printer, console log, audit log). */
import { eventFactory, type EventSink, type OpEventInput } from './events.js';

export class OpEmitter {
  private readonly make: ReturnType<typeof eventFactory>;
  private readonly sinks: EventSink[];

  constructor(
    readonly op: string,
    sinks: (EventSink | undefined)[],
    private readonly mask: (text: string) => string = (t) => t,
  ) {
    this.make = eventFactory(op);
    this.sinks = sinks.filter((s): s is EventSink => s !== undefined);
  }

  emit(event: OpEventInput): void {
    const full = this.make(event);
    if ('text' in full && typeof full.text === 'string') full.text = this.mask(full.text);
    for (const sink of this.sinks) {
      try {
        sink(full);
      } catch {
        // A broken sink (closed pipe, crashed view) must not break the operation.
      }
    }
  }
}
