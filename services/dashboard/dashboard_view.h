// What the dashboard shows, held by its loop thread alone: agents, tasks, workflows, proposals,
// replicas, statistics and the last events, built from the bus's events and the replies to the
// dashboard's queries, and rendered as the JSON the page reads (docs/dashboard.md).
//
//   DashboardView view;
//   view.set_agents(*client.agents());               // replies replace what a query answers
//   Json line = view.apply(event);                   // events patch it between queries
//   for (auto& id : view.take_stale_workflows(20)) view.set_workflow(*client.workflow_status(id));
//   Json page = view.tasks(*task_filter_from_query("state=PENDING&type=echo"));
//
// Nothing in here blocks or does I/O: the service asks, the view keeps. Every collection is
// bounded (the constants below); what falls out is forgotten, least recently changed first,
// and comes back with the next query or event that names it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/cluster_messages.h"
#include "common/consensus_messages.h"
#include "common/messages.h"
#include "common/stats_messages.h"
#include "common/status.h"
#include "common/workflow_messages.h"
#include "services/dashboard/bounded_index.h"

namespace orion::dashboard {

// /api/tasks?state=PENDING,RUNNING&type=echo&agent=a1&limit=100: each filter a comma-separated
// list (at most 16 values), ANDed; an empty one matches all.
struct TaskFilter {
  std::set<std::string> states;  // names: PENDING .. TIMEOUT, PARKED
  std::set<std::string> types;
  std::set<std::string> agents;
  std::set<std::string> namespaces;  // a task first heard of by an event, not yet listed, has none
  std::size_t limit = 500;  // 1..kMaxTasks
};
// INVALID_ARGUMENT naming the parameter for an unknown state, a bad limit, an unknown
// parameter, or a query over 2 KiB.
Result<TaskFilter> task_filter_from_query(const std::string& query);

// The JSON forms the API serves: enums as names, not wire numbers.
Json task_summary_json(const TaskView& t);
Json task_detail_json(const TaskView& t);
Json workflow_json(const WorkflowView& w);
Json proposal_json(const ProposalView& p);

class DashboardView {
 public:
  static constexpr std::size_t kMaxTasks = 10'000;     // task summaries held
  static constexpr std::size_t kMaxWorkflows = 1'000;  // workflows held (ids heard on the bus)
  static constexpr std::size_t kMaxProposals = 1'000;  // proposals held (ids heard on the bus)
  static constexpr std::size_t kMaxEvents = 500;       // last events kept for a page that opens

  // ---- Replies to the dashboard's queries -------------------------------------------------
  // LIST_AGENTS: the registry's directory replaces the agents held (perf figures are kept).
  void set_agents(const std::vector<AgentView>& agents);
  // AGENT_STATS: the scheduler's figures per agent (outcomes, run times, draining).
  void set_agent_perf(const std::vector<AgentPerf>& perf);
  // LIST_TASKS pages and GET_TASK replies: each task's summary replaces the one held.
  void set_task(const TaskView& t);
  // GET_WORKFLOW and GET_PROPOSAL replies. NOT_FOUND for one: forget_* (it expired).
  void set_workflow(const WorkflowView& w);
  void forget_workflow(const std::string& id);
  void set_proposal(const ProposalView& p);
  void forget_proposal(const std::string& id);
  // CLUSTER_STATUS, SCHEDULER_STATS, PROPOSAL_STATS.
  void set_cluster(const ClusterInfo& info);
  void set_scheduler_stats(const SchedulerStatsOk& s);
  void set_proposal_stats(const ProposalStatsOk& s);
  // A query that failed (the page shows it next to what it would have refreshed); an OK clears it.
  void set_source_status(const std::string& source, const Status& s);

  // ---- Events -----------------------------------------------------------------------------
  // One event from the bus, already de-duplicated: patches the task, workflow, proposal or
  // agent it names, keeps it among the last kMaxEvents, and returns it as the page gets it.
  // Data of the wrong shape patches nothing (the event is still listed).
  Json apply(const Event& ev);

  // Ids of workflows and proposals heard of or changed since they were last read, at most
  // `max`, oldest first: the service re-reads them with GET_WORKFLOW / GET_PROPOSAL.
  std::vector<std::string> take_stale_workflows(std::size_t max);
  std::vector<std::string> take_stale_proposals(std::size_t max);
  bool has_stale_proposals() const { return !stale_proposals_.empty(); }
  // Every workflow and proposal held is stale (after a gap in the events or a restart).
  void mark_all_stale();

  // ---- Answers (the API's bodies) ---------------------------------------------------------
  Json agents() const;
  Json tasks(const TaskFilter& filter) const;
  Json task(const std::string& id) const;  // null when not held
  Json workflows() const;
  Json workflow(const std::string& id) const;  // null when not held
  Json proposals() const;
  Json cluster() const;
  Json stats() const;  // scheduler and proposal statistics, and the bottlenecks they show
  Json events() const;

  std::size_t task_count() const { return tasks_.size(); }
  std::size_t event_count() const { return events_.size(); }

 private:
  void mark_workflow_stale(const std::string& id);
  void mark_proposal_stale(const std::string& id);
  void apply_task_event(const Event& ev);
  void apply_workflow_event(const Event& ev);
  void apply_agent_event(const Event& ev);

  // agent id -> AgentView JSON (from LIST_AGENTS) patched by agent.* events.
  std::map<std::string, Json> agents_;
  // agent id -> AgentPerf JSON (from AGENT_STATS).
  std::map<std::string, Json> perf_;
  BoundedIndex tasks_{kMaxTasks};
  BoundedIndex workflows_{kMaxWorkflows};
  BoundedIndex proposals_{kMaxProposals};
  // Ids to re-read; each also held in its index. Bounded by the indexes' capacities.
  std::deque<std::string> stale_workflows_, stale_proposals_;
  std::set<std::string> stale_workflow_set_, stale_proposal_set_;
  Json cluster_ = Json::object();
  Json scheduler_stats_ = nullptr, proposal_stats_ = nullptr;
  std::map<std::string, std::string> source_errors_;  // source -> "CODE: message"
  std::deque<Json> events_;  // oldest first, at most kMaxEvents
};

}  // namespace orion::dashboard
