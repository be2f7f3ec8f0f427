/**
 * The IAM OpenID Connect provider for a cluster's OIDC issuer: IRSA trust policies name it, and
 * STS only accepts the cluster's service account tokens once it exists.
 */
import {
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  type IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { isNotFound } from './error-classifier.js';

/** The audience IRSA tokens carry. */
export const IRSA_AUDIENCE = 'sts.amazonaws.com';

/** An OIDC provider as IAM holds it. */
export interface ObservedOidcProvider {
  arn: string;
  /** Without `https://`, as IAM stores it. */
  url: string;
  clientIds: string[];
  tags: Record<string, string>;
  createdAt?: Date;
}

/** What {@link OidcProviderStore.create} makes. */
export interface OidcProviderSpec {
  issuerUrl: string;
  tags: Record<string, string>;
  /**
   * Optional: IAM ignores thumbprints for issuers whose certificates chain to a trusted CA (every
   * EKS issuer) and the API accepts a request without one.
   */
  thumbprints?: string[];
}

/** OIDC provider operations the reconcilers are handed. */
export interface OidcProviderStore {
  /** The provider of this issuer, or undefined when the account has none (the caller reports it missing). */
  find(issuerUrl: string): Promise<ObservedOidcProvider | undefined>;
  create(spec: OidcProviderSpec): Promise<ObservedOidcProvider>;
  /** Deletes the provider; false when it was already gone. */
  delete(arn: string): Promise<boolean>;
}

/** An issuer URL as IAM stores and names it: no scheme, no trailing slash. */
export function issuerKey(issuerUrl: string): string {
  return issuerUrl.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}

/** True when the provider ARN is the one of this issuer (`...:oidc-provider/<issuer without https://>`). */
export function providerArnMatches(arn: string, issuerUrl: string): boolean {
  return arn.endsWith(`:oidc-provider/${issuerKey(issuerUrl)}`);
}

/** {@link OidcProviderStore} on the AWS SDK. */
export class SdkOidcProviderStore implements OidcProviderStore {
  constructor(private readonly iam: IAMClient) {}

  async find(issuerUrl: string): Promise<ObservedOidcProvider | undefined> {
    const listed = await this.iam.send(new ListOpenIDConnectProvidersCommand({}));
    const wanted = issuerKey(issuerUrl);
    // The ARN embeds the URL, so one Get for the candidate is enough; the Get confirms the URL.
    for (const entry of listed.OpenIDConnectProviderList ?? []) {
      const arn = entry.Arn;
      if (!arn || !providerArnMatches(arn, issuerUrl)) continue;
      const observed = await this.describe(arn);
      if (observed && issuerKey(observed.url) === wanted) return observed;
    }
    return undefined;
  }

  async delete(arn: string): Promise<boolean> {
    try {
      await this.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async create(spec: OidcProviderSpec): Promise<ObservedOidcProvider> {
    const url = `https://${issuerKey(spec.issuerUrl)}`;
    const created = await this.iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: url,
        ClientIDList: [IRSA_AUDIENCE],
        ...(spec.thumbprints && spec.thumbprints.length > 0 ? { ThumbprintList: spec.thumbprints } : {}),
        Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return {
      arn: created.OpenIDConnectProviderArn ?? '',
      url: issuerKey(url),
      clientIds: [IRSA_AUDIENCE],
      tags: { ...spec.tags },
      createdAt: new Date(),
    };
  }

  private async describe(arn: string): Promise<ObservedOidcProvider | undefined> {
    try {
      const got = await this.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
      return {
        arn,
        url: issuerKey(got.Url ?? ''),
        clientIds: got.ClientIDList ?? [],
        tags: Object.fromEntries((got.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
        ...(got.CreateDate ? { createdAt: got.CreateDate } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
