// RunLogView: the run's log under the charts, in a fixed-width font, the last
// 10,000 lines. Lines arrive in bursts: addLine() only collects them, and
// flush() (RunViews' 40 ms timer) appends them in one go. The view follows
// the end unless the user scrolled up.
#pragma once

#include <QPlainTextEdit>
#include <QStringList>

class RunLogView : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit RunLogView(QWidget* parent = nullptr);

  void addLine(const QString& line);
  // Appends the lines collected since the last flush.
  void flush();

 private:
  QStringList m_pending;
};
