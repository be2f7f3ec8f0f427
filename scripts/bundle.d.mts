/** The type of what scripts/bundle.mjs exports, for its unit test (test/unit/bundle-schema-keys.test.ts). */
export declare function withLiteralSchemaKeys(text: string): string;
