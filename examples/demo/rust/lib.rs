//! A bounded job queue: the Rust side of the demo workspace.
use std::collections::VecDeque;
use std::fmt;

pub const MAX_JOBS: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub enum Priority {
    Low,
    High,
}

#[derive(Debug)]
pub struct Job {
    pub name: String,
    pub priority: Priority,
}

pub trait Schedule {
    fn next_job(&mut self) -> Option<Job>;
}

pub struct Queue {
    jobs: VecDeque<Job>,
}

impl Queue {
    pub fn new() -> Self {
        Queue { jobs: VecDeque::with_capacity(MAX_JOBS) }
    }

    pub fn push(&mut self, job: Job) -> bool {
        if self.jobs.len() >= MAX_JOBS {
            return false;
        }
        match job.priority {
            Priority::High => self.jobs.push_front(job),
            Priority::Low => self.jobs.push_back(job),
        }
        true
    }
}

impl Schedule for Queue {
    fn next_job(&mut self) -> Option<Job> {
        self.jobs.pop_front()
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?})", self.name, self.priority)
    }
}

pub mod util {
    pub fn drain(queue: &mut super::Queue) -> usize {
        let mut n = 0;
        while super::Schedule::next_job(queue).is_some() {
            n += 1;
        }
        n
    }
}

macro_rules! job {
    ($name:expr) => {
        Job { name: $name.to_string(), priority: Priority::Low }
    };
}
