// RunsView: every run of a workspace in one sortable, filterable table (a
// column chooser in the header's context menu), kept current by a
// WorkspaceWatcher. For the runs selected it shows the arguments that
// differ between them, best accuracy against a chosen argument, and the
// branch tree; it overlays their curves in the charts (overlayRequested),
// renames, tags, notes, archives and deletes them (after a confirmation
// that lists the files), and exports the table or the curves as CSV.
#pragma once

#include <QStringList>
#include <QWidget>

#include "fitbench/run_workspace.h"

class ElidedLabel;
class QCheckBox;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;
class QTabWidget;
class QTreeWidget;
class RunsModel;
class WorkspaceWatcher;

class RunsView : public QWidget {
  Q_OBJECT

 public:
  explicit RunsView(QWidget* parent = nullptr);

  // Reads the runs of `root` (on the watcher's thread) and follows it.
  void openWorkspace(const QString& root);
  QString workspace() const;

  RunsModel* model() const { return m_model; }
  QTableView* table() const { return m_table; }
  QTableWidget* differences() const { return m_differences; }
  QLineEdit* filter() const { return m_filter; }

  // The runs selected, in the table's order.
  QStringList selectedDirs() const;
  void selectDirs(const QStringList& dirs);
  // Each returns "" or what went wrong.
  QString exportTable(const QString& path) const;   // the visible rows and columns
  QString exportCurves(const QString& path) const;  // the selected runs' curves
  void setNotes(const QString& dir, const fitbench::RunNotes& notes);
  void setArchived(const QStringList& dirs, bool archived);
  // Deletes the run in `dir` if confirmDelete() agrees.
  void deleteRun(const QString& dir);

 signals:
  void overlayRequested(const QStringList& dirs);
  void runActivated(const QString& dir);  // double-clicked
  void workspaceOpened(const QString& root, int runs, qint64 milliseconds);
  void workspaceChosen(const QString& root);  // by the person, through the folder button

 protected:
  // The confirmation before deleting: lists `files`. Tests override it.
  virtual bool confirmDelete(const QString& name, const QStringList& files);

 private:
  void buildScatter();
  void chooseWorkspace();
  void editSelected();
  void updateSelectionViews();
  void updateDifferences(const std::vector<const fitbench::RunSummary*>& runs);
  void updateScatter();
  void updateBranches();
  void showColumnMenu(const QPoint& at);
  std::vector<const fitbench::RunSummary*> selectedRuns() const;
  std::vector<const fitbench::RunSummary*> visibleRuns() const;

  WorkspaceWatcher* m_watcher = nullptr;
  RunsModel* m_model = nullptr;
  QSortFilterProxyModel* m_proxy = nullptr;
  ElidedLabel* m_rootLabel = nullptr;
  QLineEdit* m_filter = nullptr;
  QCheckBox* m_showArchived = nullptr;
  QTableView* m_table = nullptr;
  QPushButton* m_overlayButton = nullptr;
  QPushButton* m_editButton = nullptr;
  QPushButton* m_archiveButton = nullptr;
  QPushButton* m_deleteButton = nullptr;
  QTabWidget* m_details = nullptr;
  QTableWidget* m_differences = nullptr;
  QComboBox* m_scatterArgument = nullptr;
  QChart* m_scatterChart = nullptr;
  QChartView* m_scatterView = nullptr;
  QTreeWidget* m_branches = nullptr;
};
