//! A table at one snapshot, scanned with the rows a query may read dealt
//! evenly to its partitions.
//!
//! DataFusion's [`ListingTable`] splits a large file into one contiguous
//! byte range per partition. A clustered table keeps each customer's rows
//! together, so a customer's row groups sit in one range and one core
//! reads them all while the other finds nothing: measured at 10M invoices,
//! customer 1's 9 row groups (1.1 M rows) all came out of one of two
//! partitions (DataFusion's `output_rows_skew=100%`). Here the query's
//! filters are first held against every row group's statistics and page
//! index (DataFusion's own pruning, run at planning on the footers read
//! when the snapshot was first queried), and the rows they cannot rule out
//! are dealt by count ([`crate::row_shares`]). The scan prunes again within
//! each share and filters rows as before.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, Result, Statistics};
use datafusion::datasource::listing::{ListingTable, PartitionedFile};
use datafusion::datasource::physical_plan::parquet::{
    PagePruningAccessPlanFilter, ParquetAccessPlan, ParquetFileMetrics, RowGroupAccess, RowGroupAccessPlanFilter,
};
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::pruning::{PruningPredicate, PruningPredicateBuilder};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use object_store::path::Path;
use parquet::file::metadata::ParquetMetaData;

use crate::row_shares::{self, Candidates};

/// The snapshot's files (DataFusion's [`ListingTable`]) and their footers
/// with page indexes, read when the snapshot was first queried (and kept
/// in DataFusion's footer cache too, where the scan finds them).
#[derive(Debug)]
pub(crate) struct SnapshotTable {
    files: ListingTable,
    footers: HashMap<Path, Arc<ParquetMetaData>>,
}

impl SnapshotTable {
    pub(crate) fn new(files: ListingTable, footers: HashMap<Path, Arc<ParquetMetaData>>) -> Self {
        Self { files, footers }
    }

    /// The filters as one predicate over the table's columns, or `None`
    /// if there are none or DataFusion cannot plan them on their own (the
    /// scan then reads every row group, as DataFusion would).
    fn predicate(&self, state: &dyn Session, filters: &[Expr]) -> Option<Arc<dyn PhysicalExpr>> {
        let filter = conjunction(filters.iter().cloned().map(unnormalize_col))?;
        let schema = DFSchema::try_from(self.schema()).ok()?;
        state.create_physical_expr(filter, &schema).ok()
    }

    /// `plan` (the listing table's scan) with the rows `predicate` may keep
    /// dealt to `partitions` file groups; or `None` when the plan is not a
    /// plain scan of whole files whose footers are known, or nothing can
    /// match, to be run as DataFusion planned it.
    fn deal_rows(
        &self,
        plan: &Arc<dyn ExecutionPlan>,
        predicate: Option<&Arc<dyn PhysicalExpr>>,
        partitions: usize,
    ) -> Option<Arc<dyn ExecutionPlan>> {
        let scan = plan.downcast_ref::<DataSourceExec>()?;
        let config = scan.data_source().downcast_ref::<FileScanConfig>()?;
        let files: Vec<&PartitionedFile> = config.file_groups.iter().flat_map(FileGroup::iter).collect();
        let schema = self.schema();
        let pruning = Pruning::new(predicate, &schema);
        let mut candidates = Vec::new();
        let mut footers = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let footer = self.footers.get(&file.object_meta.location)?;
            if file.range.is_some() {
                return None;
            }
            candidates.extend(pruning.candidates(index, footer, &schema));
            footers.push(footer);
        }
        let mut groups = Vec::new();
        for share in row_shares::deal(&candidates, partitions) {
            let mut parts: Vec<(usize, ParquetAccessPlan)> = Vec::new();
            for part in share {
                if parts.last().map(|(file, _)| *file) != Some(part.file) {
                    parts.push((part.file, ParquetAccessPlan::new_none(footers[part.file].num_row_groups())));
                }
                if let Some((_, plan)) = parts.last_mut() {
                    plan.set(part.row_group, part.access);
                }
            }
            if !parts.is_empty() {
                // The file's statistics stay whole-file: still true of a
                // share for pruning, and DataFusion counts rows from the
                // table's (the test below holds `count(*)` to that).
                groups.push(FileGroup::new(
                    parts.into_iter().map(|(file, plan)| files[file].clone().with_extension(plan)).collect(),
                ));
            }
        }
        // No candidate rows (an empty table, or a filter no row group can
        // meet): DataFusion's plan stands, and finds as much.
        if groups.is_empty() {
            return None;
        }
        let mut config = config.clone();
        config.file_groups = groups;
        Some(DataSourceExec::from_data_source(config))
    }
}

/// A query's filters as DataFusion's pruning sees them: against row-group
/// statistics, then against the page index.
struct Pruning {
    statistics: Option<Arc<PruningPredicate>>,
    pages: Option<PagePruningAccessPlanFilter>,
    metrics: ExecutionPlanMetricsSet,
}

impl Pruning {
    fn new(predicate: Option<&Arc<dyn PhysicalExpr>>, schema: &SchemaRef) -> Self {
        let statistics =
            predicate.and_then(|p| PruningPredicateBuilder::new().with_file_schema(schema.clone()).build(p.clone()));
        let pages = predicate.map(|p| PagePruningAccessPlanFilter::new(p, schema.clone()));
        Self { statistics, pages, metrics: ExecutionPlanMetricsSet::new() }
    }

    /// The row groups of file `index` (and rows within them) that the
    /// filters cannot rule out.
    fn candidates(&self, index: usize, footer: &ParquetMetaData, schema: &Schema) -> Vec<Candidates> {
        let groups = footer.row_groups();
        let mut access = ParquetAccessPlan::new_all(groups.len());
        // Statistics are matched to the table's columns by position: a file
        // whose columns are not the table's, in its order, is read whole.
        let parquet_schema = footer.file_metadata().schema_descr();
        let same_columns = parquet_schema.num_columns() == schema.fields().len()
            && parquet_schema.columns().iter().zip(schema.fields()).all(|(c, f)| c.name() == f.name());
        if let Some(statistics) = self.statistics.as_ref().filter(|_| same_columns) {
            // Metrics DataFusion's pruning wants; the scan reports its own.
            let metrics = ParquetFileMetrics::new(0, "planning", &self.metrics);
            let mut by_statistics = RowGroupAccessPlanFilter::new(access);
            by_statistics.prune_by_statistics(schema, parquet_schema, groups, statistics, &metrics);
            access = by_statistics.build();
            if let Some(pages) = &self.pages {
                access = pages.prune_plan_with_page_index(access, schema, parquet_schema, footer, &metrics);
            }
        }
        let page_starts = |group: usize| -> Vec<usize> {
            let pages = footer.offset_index().and_then(|index| index.get(group)?.first());
            pages.map(|c| c.page_locations().iter().map(|p| p.first_row_index as usize).collect()).unwrap_or_default()
        };
        access
            .into_inner()
            .into_iter()
            .enumerate()
            .filter_map(|(group, access)| {
                let selection = match access {
                    RowGroupAccess::Skip => return None,
                    RowGroupAccess::Scan => None,
                    RowGroupAccess::Selection(selection) => Some(selection),
                };
                Some(Candidates {
                    file: index,
                    row_group: group,
                    rows: usize::try_from(groups[group].num_rows()).unwrap_or(0),
                    selection,
                    page_starts: page_starts(group),
                })
            })
            .collect()
    }
}

#[async_trait]
impl TableProvider for SnapshotTable {
    fn schema(&self) -> SchemaRef {
        self.files.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        self.files.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.files.statistics()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = self.files.scan(state, projection, filters, limit).await?;
        let partitions = state.config().target_partitions().max(1);
        let predicate = self.predicate(state, filters);
        Ok(self.deal_rows(&plan, predicate.as_ref(), partitions).unwrap_or(plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray as _;
    use arrow_array::types::Int64Type;
    use arrow_array::{Int64Array, RecordBatch};
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{ListingOptions, ListingTableConfig, ListingTableUrl};
    use datafusion::execution::object_store::ObjectStoreUrl;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use object_store::memory::InMemory;
    use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
    use parquet::arrow::ArrowWriter;
    use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
    use parquet::file::properties::WriterProperties;

    /// How a test table is laid out.
    struct Layout {
        rows: i64,
        /// `k = row / key_rows`: a clustered key.
        key_rows: i64,
        row_group_rows: usize,
        page_rows: usize,
        partitions: usize,
    }

    /// 1,000 rows in 10 row groups of 100, read by 3 partitions; `k = 1`
    /// is rows 250..500, in row groups 2 to 4.
    const SMALL: Layout = Layout { rows: 1000, key_rows: 250, row_group_rows: 100, page_rows: 100, partitions: 3 };

    /// A session with table `t` laid out as `layout`: `k` and `v = row`.
    async fn table_of(layout: &Layout) -> SessionContext {
        let k: Int64Array = (0..layout.rows).map(|i| i / layout.key_rows).collect();
        let v: Int64Array = (0..layout.rows).collect();
        let batch = RecordBatch::try_from_iter([("k", Arc::new(k) as _), ("v", Arc::new(v) as _)]).unwrap();
        let mut bytes = Vec::new();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(layout.row_group_rows))
            .set_data_page_row_count_limit(layout.page_rows)
            .set_write_batch_size(layout.page_rows.min(1000))
            .build();
        let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let footer = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Required)
            .parse_and_finish(&bytes::Bytes::from(bytes.clone()))
            .unwrap();
        let store = Arc::new(InMemory::new());
        let path = Path::from("t/part-0.parquet");
        store.put(&path, PutPayload::from(bytes)).await.unwrap();

        let mut config = SessionConfig::new().with_target_partitions(layout.partitions);
        config.options_mut().optimizer.repartition_file_scans = false;
        config.options_mut().execution.parquet.pushdown_filters = true;
        let ctx = SessionContext::new_with_config(config);
        let url = ObjectStoreUrl::parse("memory://").unwrap();
        ctx.register_object_store(url.as_ref(), store as Arc<dyn ObjectStore>);
        let files = ListingTable::try_new(
            ListingTableConfig::new(ListingTableUrl::parse("memory:///t/part-0.parquet").unwrap())
                .with_listing_options(ListingOptions::new(Arc::new(ParquetFormat::default())))
                .with_schema(batch.schema()),
        )
        .unwrap();
        let table = SnapshotTable::new(files, HashMap::from([(path, Arc::new(footer))]));
        ctx.register_table("t", Arc::new(table)).unwrap();
        ctx
    }

    /// Each partition's (row group, first row, rows) in the scan of `sql`.
    async fn dealt(ctx: &SessionContext, sql: &str) -> Vec<Vec<(usize, usize, usize)>> {
        let mut scan = ctx.sql(sql).await.unwrap().create_physical_plan().await.unwrap();
        while scan.downcast_ref::<DataSourceExec>().is_none() {
            scan = scan.children()[0].clone();
        }
        let config =
            scan.downcast_ref::<DataSourceExec>().unwrap().data_source().downcast_ref::<FileScanConfig>().unwrap();
        let parts = |plan: &ParquetAccessPlan| -> Vec<(usize, usize, usize)> {
            plan.inner()
                .iter()
                .enumerate()
                .filter_map(|(group, access)| match access {
                    RowGroupAccess::Skip => None,
                    RowGroupAccess::Scan => Some((group, 0, usize::MAX)),
                    RowGroupAccess::Selection(s) => {
                        let first = s.iter().take_while(|r| r.skip).map(|r| r.row_count).sum();
                        Some((group, first, s.row_count()))
                    }
                })
                .collect()
        };
        config
            .file_groups
            .iter()
            .map(|g| g.iter().flat_map(|f| parts(f.extensions.get::<ParquetAccessPlan>().unwrap())).collect())
            .collect()
    }

    /// `count(*)` and `sum(v)` of `sql`'s one row.
    async fn count_and_sum(ctx: &SessionContext, sql: &str) -> (i64, Option<i64>) {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let (count, sum) = (batches[0].column(0).as_primitive::<Int64Type>(), batches[0].column(1));
        (count.value(0), (!sum.is_null(0)).then(|| sum.as_primitive::<Int64Type>().value(0)))
    }

    #[tokio::test]
    async fn only_the_row_groups_a_filter_may_keep_are_dealt() {
        let ctx = table_of(&SMALL).await;
        // `k = 1` may be in row groups 2, 3 and 4 (2 partly: its statistics
        // cannot tell, nor its one page): one to each partition.
        let scan = dealt(&ctx, "SELECT v FROM t WHERE k = 1").await;
        assert_eq!(scan, [vec![(2, 0, 100)], vec![(3, 0, usize::MAX)], vec![(4, 0, usize::MAX)]]);
        let rows = ctx.sql("SELECT v FROM t WHERE k = 1").await.unwrap().collect().await.unwrap();
        assert_eq!(rows.iter().map(RecordBatch::num_rows).sum::<usize>(), 250);

        // Without a filter every row group is dealt, each once: counts and
        // sums are the table's.
        let all = dealt(&ctx, "SELECT v FROM t").await;
        assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [4, 3, 3]);
        assert_eq!(count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t").await, (1000, Some(499_500)));
        let of_key = count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t WHERE k = 1").await;
        assert_eq!(of_key, (250, Some((250..500).sum::<i64>())));
    }

    #[tokio::test]
    async fn one_row_group_for_two_cores_is_split() {
        // 3 row groups of 100,000 rows in pages of 10,000; `k = 0` is the
        // first row group, `k = 1` rows 100,000..115,000.
        let layout =
            Layout { rows: 300_000, key_rows: 100_000, row_group_rows: 100_000, page_rows: 10_000, partitions: 2 };
        let ctx = table_of(&layout).await;
        let scan = dealt(&ctx, "SELECT v FROM t WHERE k = 0").await;
        assert_eq!(scan, [vec![(0, 0, 50_000)], vec![(0, 50_000, 50_000)]]);
        let of_key = count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t WHERE k = 0").await;
        assert_eq!(of_key, (100_000, Some((0..100_000).sum::<i64>())));

        // A part of a row group (the page index narrows `v < 30000` to its
        // first 3 pages) is split too, mid-page: no page start is near.
        let scan = dealt(&ctx, "SELECT v FROM t WHERE v < 30000").await;
        assert_eq!(scan, [vec![(0, 0, 15_000)], vec![(0, 15_000, 15_000)]]);
        let few = count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t WHERE v < 30000").await;
        assert_eq!(few, (30_000, Some((0..30_000).sum::<i64>())));

        // No filter: as many row groups as partitions or more go whole.
        let all = dealt(&ctx, "SELECT v FROM t").await;
        assert_eq!(all, [vec![(0, 0, usize::MAX), (2, 0, usize::MAX)], vec![(1, 0, usize::MAX)]]);
        assert_eq!(
            count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t").await,
            (300_000, Some((0..300_000).sum::<i64>()))
        );
    }

    #[tokio::test]
    async fn an_empty_table_still_answers() {
        let ctx = table_of(&Layout { rows: 0, ..SMALL }).await;
        assert_eq!(count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t").await, (0, None));
        let rows = ctx.sql("SELECT v FROM t WHERE k = 1").await.unwrap().collect().await.unwrap();
        assert_eq!(rows.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
        // A filter no row group can meet reads nothing either.
        let ctx = table_of(&SMALL).await;
        assert_eq!(count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t WHERE k = 9").await, (0, None));
    }
}
