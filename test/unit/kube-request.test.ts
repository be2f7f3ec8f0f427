import { kubeRequestOf } from '../../src/kube/api-clients.js';

describe('kubeRequestOf', () => {
  it.each([
    ['PATCH', 'https://h/apis/fargate.eksops.dev/v1alpha1/namespaces/team/fargateworkloads/web/status', 'patch', 'fargateworkloads/status'],
    ['PUT', 'https://h/apis/fargate.eksops.dev/v1alpha1/fargateclusters/demo/status', 'update', 'fargateclusters/status'],
    ['PATCH', 'https://h/apis/apps/v1/namespaces/team/deployments/web?fieldManager=x&force=true', 'patch', 'deployments'],
    ['POST', 'https://h/api/v1/namespaces/team/events', 'create', 'events'],
    ['GET', 'https://h/api/v1/namespaces/team/serviceaccounts/web', 'get', 'serviceaccounts'],
    ['GET', 'https://h/apis/apps/v1/deployments?labelSelector=a%3Db', 'list', 'deployments'],
    ['GET', 'https://h/apis/apps/v1/deployments?watch=true', 'watch', 'deployments'],
    ['GET', 'https://h/api/v1/namespaces/team', 'get', 'namespaces'],
    ['GET', 'https://h/api/v1/namespaces', 'list', 'namespaces'],
    ['DELETE', 'https://h/apis/networking.k8s.io/v1/namespaces/team/ingresses/web', 'delete', 'ingresses'],
    ['DELETE', 'https://h/api/v1/namespaces/team/pods', 'deletecollection', 'pods'],
  ])('%s %s is %s %s', (method, url, verb, resource) => {
    expect(kubeRequestOf(method, url)).toEqual({ verb, resource });
  });
});
