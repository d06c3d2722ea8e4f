// ChartLegend: a chart's legend that wraps. One entry per series, a short
// line in its colour (dashed for an earlier run) and its name: the live
// run's first, then each earlier run's after that run's name, centred under
// the plot, on as many lines as they need up to a share of the chart's
// height. Runs that do not fit show as "+N more runs"; the tooltip lists
// every series by its full name. (QtCharts' own legend keeps to one line
// and cuts every name to "tr…" once a few overlays are drawn.)
#pragma once

#include <QColor>
#include <QGraphicsTextItem>
#include <QList>
#include <QMargins>
#include <QString>

class QChart;

class ChartLegend : public QGraphicsTextItem {
  Q_OBJECT

 public:
  struct Entry {
    QString run;       // the earlier run it belongs to; "" for the live run
    QString label;     // what the legend says
    QString fullName;  // what the tooltip says
    QColor color;
  };

  // Replaces `chart`'s own legend; `margins` are the chart's margins without it.
  ChartLegend(QChart* chart, const QMargins& margins);

  void setEntries(const QList<Entry>& entries);
  // Fits the entries to the chart's width under its plot, and widens the
  // chart's bottom margin by the legend's height. Call when the chart resizes.
  void place();

 private:
  // The entries of the live run and of the first `runs` earlier runs, with a
  // line saying how many runs are left out.
  QString html(qsizetype runs) const;

  QChart* m_chart;
  QMargins m_margins;
  QList<Entry> m_entries;
  QStringList m_runs;  // the earlier runs, in their entries' order
};
