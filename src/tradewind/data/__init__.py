"""Market-data files: read quotes, trades and bars as checked batches; write tables."""

from tradewind.data.readers import Batch, DataFile, open_data
from tradewind.data.sample import write_sample
from tradewind.data.writers import JsonlWriter, write_table

__all__ = ["Batch", "DataFile", "JsonlWriter", "open_data", "write_sample", "write_table"]
