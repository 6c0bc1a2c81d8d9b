/** docs/study.md from the study's result JSON files. */
export function writeStudyReport(results: string, docs: string): void {
  void results;
  void docs;
}
