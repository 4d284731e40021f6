import type { Problem } from './problem.js';

const answered = new WeakMap<object, Problem>();

/** Notes which problem a request was answered with (ProblemDetailsFilter), for the metrics. */
export function recordAnsweredProblem(request: object, problem: Problem): void {
  answered.set(request, problem);
}

/** The problem a request was answered with, if it was refused with a problem document. */
export function answeredProblem(request: object): Problem | undefined {
  return answered.get(request);
}
