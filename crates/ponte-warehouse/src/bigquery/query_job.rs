//! A table replaced by a SELECT that BigQuery runs itself: a query job
//! with a destination table (`configuration.query.destinationTable`,
//! `WRITE_TRUNCATE`), as Google's reference describes it, so no row passes
//! through ponte. A failed job leaves the table as it was.

use reqwest::Method;
use serde_json::json;

use super::BigQueryWarehouse;
use super::sql;
use crate::embedded::check_name;
use crate::{Commit, WarehouseError};

impl BigQueryWarehouse {
    pub(crate) async fn run_query_job(&self, table: &str, select: &str) -> Result<Commit, WarehouseError> {
        check_name(table)?;
        // The same check as every query: one SELECT, placeholders counted.
        let (text, highest) = sql::rewrite(select)?;
        if highest > 0 {
            return Err(WarehouseError::Query("a SELECT written into a table takes no parameters".into()));
        }
        let id = format!("ponte_query_{table}_{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%6fZ"));
        let body = json!({
            "jobReference": self.job_reference(&id),
            "configuration": {
                "query": {
                    "query": text,
                    "useLegacySql": false,
                    "defaultDataset": { "projectId": self.project, "datasetId": self.dataset },
                    "destinationTable": { "projectId": self.project, "datasetId": self.dataset, "tableId": table },
                    "writeDisposition": "WRITE_TRUNCATE",
                    "createDisposition": "CREATE_IF_NEEDED",
                },
                "labels": { "ponte": "query_into_table" },
            },
        });
        let job = self.insert_job(&body).await?;
        self.wait_for(job).await?;
        // The job's statistics do not count the rows written; the table does.
        let url = self.client.api_url(&self.table_path(table));
        let found = self.client.json("tables.get", Method::GET, &url, &[], None).await?;
        let number = |key: &str| found[key].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        Ok(Commit { table: table.to_owned(), snapshot: id, rows: number("numRows"), bytes: number("numBytes") })
    }
}
