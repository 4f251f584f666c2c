"""Text-to-SQL tool: read-only, guarded, grounded SQL over any SQLAlchemy database."""

from biomedqa.tools.sql.models import QueryResult, SqlAnswer
from biomedqa.tools.sql.tool import SqlTool, build_sql_tool, default_db_url

__all__ = ["QueryResult", "SqlAnswer", "SqlTool", "build_sql_tool", "default_db_url"]
