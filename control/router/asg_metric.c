/* The group's metrics for one period from raw counters (reference aws-elb §3): CPU percent from
 * cgroup usage, ALBRequestCountPerTarget from the load balancer's RequestCount, network bytes
 * from per-instance counters; "no data" where AWS would publish no datapoint. */
#include "control/router/asg_decide.h"

double asg_cpu_percent(uint64_t usage0_us, uint64_t usage1_us, uint64_t elapsed_us)
{
	if (!elapsed_us || usage1_us < usage0_us)
		return -1;
	return 100.0 * (double)(usage1_us - usage0_us) / (double)elapsed_us;
}

struct asg_sample asg_alb_rpt(uint64_t count0, uint64_t count1, uint32_t healthy_targets)
{
	/* AWS publishes RequestCount only while requests flow: a quiet period has no datapoint */
	if (count1 <= count0 || !healthy_targets)
		return (struct asg_sample){0};
	return (struct asg_sample){.has_data = 1, .value = (double)(count1 - count0) / healthy_targets};
}

struct asg_sample asg_average(const double *values, size_t n)
{
	double sum = 0;
	size_t known = 0;
	for (size_t i = 0; i < n; i++)
		if (values[i] >= 0)
			sum += values[i], known++;
	if (!known)
		return (struct asg_sample){0};
	return (struct asg_sample){.has_data = 1, .value = sum / (double)known};
}

double asg_bytes_delta(uint64_t bytes0, uint64_t bytes1)
{
	return bytes1 >= bytes0 ? (double)(bytes1 - bytes0) : 0;
}
