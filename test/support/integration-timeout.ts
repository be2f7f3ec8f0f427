// Integration tests talk to real servers; Jest's 5 s default is too short for them. `testTimeout`
// is a global Jest option (ignored inside a project), so the integration project sets it here.
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
