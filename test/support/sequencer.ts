// A fresh clone (CI) has no timing cache, so vitest starts the largest files first. The files below spend
// most of their time waiting on the wall clock (an outage that lasts a minute, processes restarting) rather
// than on the CPU: started first, the shorter files of their project run beside them instead of after them.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const WAITS_LONGEST = ['test/chaos/service-outage.test.ts', 'test/integration/orders/api.test.ts'];

const rank = (spec: TestSpecification) => {
  const i = WAITS_LONGEST.findIndex((file) => spec.moduleId.endsWith(file));
  return i === -1 ? WAITS_LONGEST.length : i;
};

export default class WaitsLongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Projects keep vitest's order (their groups run one after another); within one, the longest waits first,
    // then vitest's own order (its timing cache, else file sizes): Array.prototype.sort is stable.
    const projectAt = new Map<string, number>();
    sorted.forEach((spec, i) => projectAt.set(spec.project.name, projectAt.get(spec.project.name) ?? i));
    const key = (spec: TestSpecification) => [projectAt.get(spec.project.name) ?? 0, rank(spec)] as const;
    return sorted.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
  }
}
