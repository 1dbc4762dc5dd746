// What one check found: failures fail the build, warnings are printed and do not.
export class Findings {
  constructor() {
    this.failures = [];
    this.warnings = [];
  }

  fail(message) {
    this.failures.push(message);
  }

  warn(message) {
    this.warnings.push(message);
  }

  /** Fails unless actual equals expected (compared as JSON). */
  same(actual, expected, what) {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      this.fail(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  }
}
