/**
 * Retries the path's loss asks of a port that never answered, on any host
 * heard from (timing.ts mayRetry): with p the share of a worker's answers that
 * came only to a retry (a first try lost, either way), an answering port loses
 * every one of n tries with p^n, and of the A ports that answered about A·p^n
 * more were lost so; enough tries that this is at most PATH_MISSES. A host's
 * own evidence sees only its own ports: behind a firewall that answers on 5
 * of 200 ports, over 10 % loss each way (p ~0.19), most hosts had answered at
 * most one port's retry, got 3 tries, and 0.19^3 of their 100 answering ports
 * were called filtered (0.7 a scan: 1 run in 2 exact). A bound per port (p^n
 * at most 1/1024, as it was) left that scan ~0.1 such ports a run.
 *
 * p read from 100 answers is itself 0.14 to 0.24 (traced, the runs that read
 * 14 or 15 gave 4 tries under that bound, and about 1 run in 9 was not exact;
 * the dropped ports' last verdicts all came after 1.2 s, when p had stopped
 * moving), so it is taken PATH_SE standard errors high. From p as read, the
 * budget of 1/32 a scan still missed a port in ~1 run of 40 (lab fwloss, 3 of
 * 145 runs: a port's 5 tries all lost at p read 16/99; the model, p read from
 * 100 answers at 0.19: 0.024 a run); taken high, ~0.004 (model), for ~1.2
 * tries more a dropped port (fwloss ~15 % slower). A scan with many answers
 * reads p closely and pays almost nothing.
 */

/** At most this many answering ports, of those a worker has heard, expected to lose every try. */
const PATH_MISSES = 1 / 32;
/** Standard errors added to p, read from few answers. */
const PATH_SE = 2;
/** Answers, and answers to retries among them, before p says anything. */
const PATH_ANSWERS = 32;
const PATH_RETRY_ANSWERS = 4;

/** Retries beyond its first try for a port that never answered, from `answers` answers, `retryAnswers` of them only to a retry: 0 without enough evidence, unbounded when p reaches 1 (the caller holds it to --retries). */
export function pathRetries(answers: number, retryAnswers: number): number {
  if (answers < PATH_ANSWERS || retryAnswers < PATH_RETRY_ANSWERS) return 0;
  const read = retryAnswers / answers;
  const p = read + PATH_SE * Math.sqrt((read * (1 - read)) / answers);
  return p >= 1 ? Infinity : Math.ceil(Math.log(PATH_MISSES / answers) / Math.log(p)) - 1;
}
