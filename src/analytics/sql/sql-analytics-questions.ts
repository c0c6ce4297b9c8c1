import type {
  FunnelCounts, FunnelCustomer, FunnelCustomersQuery, FunnelQuery, PathCount, PathQuery, RetentionCounts, RetentionQuery, SwitchingCounts,
  SwitchingQuery, UsageCounts, UsageQuery,
} from '../../core/analytics/analytics-model.ts';
import { funnelCustomersSql, funnelSql, pathsSql, retentionSql, switchingSql, usageSql, type BuiltQuery } from './analytics-sql.ts';
import type { SqlDialect } from './sql-dialect.ts';

/**
 * The questions of the analytics store port for an engine that runs the shared SQL: an adapter
 * extends it with its dialect and a way to run a query.
 */
export abstract class SqlAnalyticsQuestions {
  protected abstract readonly dialect: SqlDialect;
  protected abstract read<T>(query: BuiltQuery<T>): Promise<T>;

  funnel(query: FunnelQuery): Promise<FunnelCounts[]> {
    return this.read(funnelSql(this.dialect, query));
  }

  funnelCustomers(query: FunnelCustomersQuery): Promise<FunnelCustomer[]> {
    return this.read(funnelCustomersSql(this.dialect, query));
  }

  paths(query: PathQuery): Promise<PathCount[]> {
    return this.read(pathsSql(this.dialect, query));
  }

  switching(query: SwitchingQuery): Promise<SwitchingCounts> {
    return this.read(switchingSql(this.dialect, query));
  }

  usage(query: UsageQuery): Promise<UsageCounts> {
    return this.read(usageSql(this.dialect, query));
  }

  retention(query: RetentionQuery): Promise<RetentionCounts> {
    return this.read(retentionSql(this.dialect, query));
  }
}
