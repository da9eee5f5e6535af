//! A table at one snapshot, scanned with the rows a query may read dealt
//! evenly to its partitions.
//!
//! DataFusion's [`ListingTable`] splits a large file into one contiguous
//! byte range per partition. A clustered table keeps each customer's rows
//! together, so a customer's row groups sit in one range and one core
//! reads them all while the other finds nothing: measured at 10M invoices,
//! customer 1's 9 row groups (1.1 M rows) all came out of one of two
//! partitions (DataFusion's `output_rows_skew=100%`). Here the query's
//! filters are first held against every row group's statistics (with
//! DataFusion's pruning, at planning, on the footers read when the
//! snapshot was first queried), and the row groups they cannot rule out
//! are dealt by row count ([`crate::row_shares`]); where there are fewer
//! than partitions, the page index narrows them to the rows that are then
//! cut. The scan prunes again within each share and filters rows as before.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, Result, Statistics};
use datafusion::datasource::listing::{ListingTable, PartitionedFile};
use datafusion::datasource::physical_plan::parquet::{
    PagePruningAccessPlanFilter, ParquetAccessPlan, ParquetFileMetrics, RowGroupAccess,
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
use parquet::arrow::arrow_reader::RowSelection;
use parquet::file::metadata::ParquetMetaData;

use crate::row_group_stats::RowGroupStatistics;
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
        let mut footers = Vec::new();
        for file in &files {
            if file.range.is_some() {
                return None;
            }
            footers.push(self.footers.get(&file.object_meta.location)?.as_ref());
        }
        let candidates = Pruning::new(predicate, &schema).candidates(&footers, &schema, partitions);
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
/// statistics, then, where row groups are to be cut, against the page
/// index.
struct Pruning<'a> {
    predicate: Option<&'a Arc<dyn PhysicalExpr>>,
    statistics: Option<Arc<PruningPredicate>>,
}

impl<'a> Pruning<'a> {
    fn new(predicate: Option<&'a Arc<dyn PhysicalExpr>>, schema: &SchemaRef) -> Self {
        let statistics =
            predicate.and_then(|p| PruningPredicateBuilder::new().with_file_schema(schema.clone()).build(p.clone()));
        Self { predicate, statistics }
    }

    /// The row groups of `footers` (by position) that the filters cannot
    /// rule out. With fewer than `partitions` of them, which rows of each
    /// may match too, from the page index: those are cut by rows.
    fn candidates(&self, footers: &[&ParquetMetaData], schema: &SchemaRef, partitions: usize) -> Vec<Candidates> {
        // Statistics are matched to the table's columns by position: a file
        // whose columns are not the table's, in its order, is read whole.
        let same_columns = |footer: &ParquetMetaData| {
            let columns = footer.file_metadata().schema_descr();
            columns.num_columns() == schema.fields().len()
                && columns.columns().iter().zip(schema.fields()).all(|(c, f)| c.name() == f.name())
        };
        let pruned: Vec<bool> = footers.iter().map(|f| self.statistics.is_some() && same_columns(f)).collect();
        let kept = self.statistics.as_ref().and_then(|statistics| {
            let files = footers.iter().zip(&pruned).filter(|(_, p)| **p).map(|(f, _)| *f).collect();
            statistics.prune(&RowGroupStatistics::new(schema, files)).ok()
        });
        let mut kept = kept.unwrap_or_default().into_iter();
        let mut groups: Vec<(usize, usize)> = Vec::new();
        for (file, footer) in footers.iter().enumerate() {
            for group in 0..footer.num_row_groups() {
                // A failed evaluation keeps every row group.
                if !pruned[file] || kept.next().unwrap_or(true) {
                    groups.push((file, group));
                }
            }
        }
        // The page index is read only where rows are to be cut: built per
        // query, its pruning predicates cost more than the rest.
        let pages =
            self.predicate.filter(|_| row_shares::cuts(groups.len(), partitions)).map(|p| PageIndex::new(p, schema));
        groups
            .into_iter()
            .map(|(file, group)| {
                let footer = footers[file];
                let selection = pages.as_ref().filter(|_| pruned[file]).and_then(|p| p.rows_of(footer, group, schema));
                let pages = footer.offset_index().and_then(|index| index.get(group)?.first());
                Candidates {
                    file,
                    row_group: group,
                    rows: usize::try_from(footer.row_group(group).num_rows()).unwrap_or(0),
                    selection,
                    page_starts: pages
                        .map(|c| c.page_locations().iter().map(|p| p.first_row_index as usize).collect())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }
}

/// The filters against the page index (DataFusion's page pruning).
struct PageIndex {
    filter: PagePruningAccessPlanFilter,
    /// The metrics DataFusion's page pruning wants; the scan reports its own.
    metrics: ParquetFileMetrics,
}

impl PageIndex {
    fn new(predicate: &Arc<dyn PhysicalExpr>, schema: &SchemaRef) -> Self {
        let metrics = ParquetFileMetrics::new(0, "planning", &ExecutionPlanMetricsSet::new());
        Self { filter: PagePruningAccessPlanFilter::new(predicate, schema.clone()), metrics }
    }

    /// The rows of one row group the page index cannot rule out, if it
    /// rules any out.
    fn rows_of(&self, footer: &ParquetMetaData, group: usize, schema: &Schema) -> Option<RowSelection> {
        let mut access = ParquetAccessPlan::new_none(footer.num_row_groups());
        access.scan(group);
        let parquet_schema = footer.file_metadata().schema_descr();
        let access = self.filter.prune_plan_with_page_index(access, schema, parquet_schema, footer, &self.metrics);
        match access.inner().get(group) {
            Some(RowGroupAccess::Selection(selection)) => Some(selection.clone()),
            _ => None,
        }
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
        /// The rows are split evenly over this many files, in order.
        files: i64,
    }

    /// 1,000 rows in 10 row groups of 100, read by 3 partitions; `k = 1`
    /// is rows 250..500, in row groups 2 to 4.
    const SMALL: Layout =
        Layout { rows: 1000, key_rows: 250, row_group_rows: 100, page_rows: 100, partitions: 3, files: 1 };

    /// A session with table `t` laid out as `layout`: `k` and `v = row`.
    async fn table_of(layout: &Layout) -> SessionContext {
        let store = Arc::new(InMemory::new());
        let (mut urls, mut footers, mut schema) = (Vec::new(), HashMap::new(), None);
        for file in 0..layout.files {
            let rows = file * layout.rows / layout.files..(file + 1) * layout.rows / layout.files;
            let k: Int64Array = rows.clone().map(|i| i / layout.key_rows).collect();
            let v: Int64Array = rows.collect();
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
            let path = Path::from(format!("t/part-{file}.parquet"));
            store.put(&path, PutPayload::from(bytes)).await.unwrap();
            footers.insert(path, Arc::new(footer));
            urls.push(ListingTableUrl::parse(format!("memory:///t/part-{file}.parquet")).unwrap());
            schema = Some(batch.schema());
        }

        let mut config = SessionConfig::new().with_target_partitions(layout.partitions);
        config.options_mut().optimizer.repartition_file_scans = false;
        config.options_mut().execution.parquet.pushdown_filters = true;
        let ctx = SessionContext::new_with_config(config);
        let url = ObjectStoreUrl::parse("memory://").unwrap();
        ctx.register_object_store(url.as_ref(), store as Arc<dyn ObjectStore>);
        let files = ListingTable::try_new(
            ListingTableConfig::new_with_multi_paths(urls)
                .with_listing_options(ListingOptions::new(Arc::new(ParquetFormat::default())))
                .with_schema(schema.unwrap()),
        )
        .unwrap();
        ctx.register_table("t", Arc::new(SnapshotTable::new(files, footers))).unwrap();
        ctx
    }

    /// Which files each partition's scan of `sql` reads, by name.
    async fn files_dealt(ctx: &SessionContext, sql: &str) -> Vec<Vec<String>> {
        let mut scan = ctx.sql(sql).await.unwrap().create_physical_plan().await.unwrap();
        while scan.downcast_ref::<DataSourceExec>().is_none() {
            scan = scan.children()[0].clone();
        }
        let config =
            scan.downcast_ref::<DataSourceExec>().unwrap().data_source().downcast_ref::<FileScanConfig>().unwrap();
        let name = |f: &PartitionedFile| f.object_meta.location.filename().unwrap_or_default().to_owned();
        config.file_groups.iter().map(|g| g.iter().map(name).collect()).collect()
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
        // `k = 1` may be in row groups 2, 3 and 4: one to each partition.
        let scan = dealt(&ctx, "SELECT v FROM t WHERE k = 1").await;
        assert_eq!(scan, [vec![(2, 0, usize::MAX)], vec![(3, 0, usize::MAX)], vec![(4, 0, usize::MAX)]]);
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
        let layout = Layout {
            rows: 300_000,
            key_rows: 100_000,
            row_group_rows: 100_000,
            page_rows: 10_000,
            partitions: 2,
            files: 1,
        };
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
    async fn the_row_groups_of_every_file_are_pruned_together() {
        // 4,000 rows in 4 files of 10 row groups; `k = 5` is rows
        // 1,250..1,500: row groups 2 to 4 of the second file.
        let ctx = table_of(&Layout { rows: 4000, files: 4, ..SMALL }).await;
        let sql = "SELECT v FROM t WHERE k = 5";
        assert_eq!(files_dealt(&ctx, sql).await, [["part-1.parquet"], ["part-1.parquet"], ["part-1.parquet"]]);
        assert_eq!(dealt(&ctx, sql).await, [[(2, 0, usize::MAX)], [(3, 0, usize::MAX)], [(4, 0, usize::MAX)]]);
        let of_key = count_and_sum(&ctx, "SELECT count(*), sum(v) FROM t WHERE k = 5").await;
        assert_eq!(of_key, (250, Some((1250..1500).sum::<i64>())));
        // Keys in two files: the last row group of the first and the first of the second.
        let sql = "SELECT count(*), sum(v) FROM t WHERE v >= 950 AND v < 1050";
        let files: Vec<String> = files_dealt(&ctx, sql).await.concat();
        assert_eq!(files, ["part-0.parquet", "part-1.parquet"]);
        assert_eq!(count_and_sum(&ctx, sql).await, (100, Some((950..1050).sum::<i64>())));
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
