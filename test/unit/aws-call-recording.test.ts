/**
 * What the operator records of each AWS call, against a local HTTP server that throttles the
 * first attempt: one record per call with its attempts and the attempts AWS throttled, and the
 * metrics that come from it (eksfo_aws_retries_total, eksfo_aws_throttles_total).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { createAwsClients, type AwsCallRecord } from '../../src/aws/clients.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { metricsCallSink } from '../../src/operator/aws-services.js';

let server: Server;
let url: string;
let answers: { status: number; headers: Record<string, string>; body: object }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = answers.shift() ?? { status: 200, headers: {}, body: { cluster: { name: 'c', status: 'ACTIVE' } } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

test('a call throttled once, then answered, is one record with 2 attempts, 1 of them throttled, and counted so', async () => {
  answers = [{ status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Rate exceeded' } }];
  const records: AwsCallRecord[] = [];
  const metrics = createMetrics();
  const clients = createAwsClients({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, sinks: [(record) => records.push(record), metricsCallSink(metrics)] });
  try {
    await clients.eks.send(new DescribeClusterCommand({ name: 'c' }));
    // An error the SDK does not retry is not a throttle.
    answers = [{ status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: 'No cluster found' } }];
    await expect(clients.eks.send(new DescribeClusterCommand({ name: 'gone' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  } finally {
    clients.destroy();
  }
  expect(records.map(({ operation, outcome, attempts, throttledAttempts }) => ({ operation, outcome, attempts, throttledAttempts }))).toEqual([
    { operation: 'DescribeCluster', outcome: 'ok', attempts: 2, throttledAttempts: 1 },
    { operation: 'DescribeCluster', outcome: 'ResourceNotFoundException', attempts: 1, throttledAttempts: 0 },
  ]);
  const text = await metrics.registry.metrics();
  expect(text).toContain('eksfo_aws_throttles_total{service="eks",operation="DescribeCluster"} 1');
  expect(text).toContain('eksfo_aws_retries_total{service="eks",operation="DescribeCluster"} 1');
}, 20_000);
