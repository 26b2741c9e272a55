-- Prints the percentiles wrk's --latency omits, in milliseconds, as one parsable line.
done = function(summary, latency, requests)
  io.write(string.format("PERCENTILES p50=%.2f p95=%.2f p99=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
